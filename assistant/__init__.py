"""数据要素× competition assistant: cited rules answers and the 申报书 form agent."""

__version__ = "0.1.0"
