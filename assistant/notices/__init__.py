"""Notice updates: a secretariat adds a 补充通知, 延期公告 or 更正 and every answer follows it.

`convert` turns a Word, PDF or Markdown file into our Markdown; `model` is the front matter;
`amendments` suggests and verifies what a notice changes; `store` keeps added notices under
DATA_DIR; `apply` rewrites an answer whose clause an amendment in force has changed; `cli` is the
`python -m assistant notice …` command group.
"""
