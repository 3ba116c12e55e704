"""Gradio's own words on our pages, in Chinese.

Two kinds: strings Gradio looks up in its i18n dictionaries (overridden through its supported
`gr.I18n`, passed to `mount_gradio_app`, for zh-CN and also for English browsers, since the
product is Chinese only), and strings its components hard-code in English (aria labels, titles,
alt texts), which `/assets/labels.js` renames in place as they appear. The second list is the
one to shrink whenever a Gradio release makes a string translatable.
"""

from __future__ import annotations

import json
from functools import lru_cache

import gradio as gr
from fastapi import APIRouter
from fastapi.responses import Response

from .embed import STATIC

router = APIRouter(include_in_schema=False)

# Keys of Gradio's dictionaries that its zh-CN translation lacks or that an English browser would show.
TRANSLATED: dict[str, str] = {
    "chatbot.copy_message": "复制这条消息",
    "chatbot.copied_message": "已复制",
    "chatbot.like": "赞",
    "chatbot.dislike": "踩",
    "chatbot.clear": "清空对话",
    "chatbot.retry": "重试",
    "chatbot.undo": "撤销",
    "chatbot.edit": "编辑",
    "chatbot.submit": "发送",
    "chatbot.cancel": "取消",
    "common.stop_recording": "停止录制",
    "common.record": "录制",
    "common.error": "错误",
    "common.clear": "清空",
    "common.loading": "加载中",
    "common.download": "下载",
    "common.remove": "删除",
    "common.edit": "编辑",
    "common.or": "或",
    "upload_text.click_to_upload": "点击上传",
    "upload_text.drop_file": "将文件拖到此处",
    "upload_text.drop_csv": "将 CSV 拖到此处",
    "upload_text.drop_image": "将图片拖到此处",
    "upload_text.drop_audio": "将音频拖到此处",
    "upload_text.drop_video": "将视频拖到此处",
    "upload_text.drop_gallery": "将文件拖到此处",
    "upload_text.paste_clipboard": "从剪贴板粘贴",
    "file.uploading": "正在上传…",
    "errors.use_via_api": "通过 API 使用",
    "errors.use_via_api_or_mcp": "通过 API 或 MCP 使用",
    "common.logo": "标志",
    "blocks.connection_can_break": "在手机上，切到其他页面或锁屏可能使连接中断，请保持本页打开。",
    "blocks.lost_connection": "与服务器的连接已断开，正在重新连接…",
    "blocks.waiting_for_inputs": "文件还在上传，请稍后再试。",
}
# What Gradio 6 writes in English without a dictionary key, and what we show instead.
HARD_CODED: dict[str, str] = {
    "Copy message": "复制这条消息",
    "Copied message": "已复制",
    "Copy": "复制",
    "Copied": "已复制",
    "Liked": "已赞（再点取消）",
    "Disliked": "已踩（再点取消）",
    "Copy conversation": "复制全部对话",
    "Copied conversation": "已复制全部对话",
    "Copy table data": "复制表格",
    "Copied to clipboard": "已复制",
    "Fullscreen": "全屏",
    "Exit fullscreen": "退出全屏",
    "Click to upload or drop files": "点击上传或拖入文件",
    "File upload": "上传文件",
    "More tabs": "更多标签页",
    "Open cell menu": "单元格菜单",
    "Table actions": "表格操作",
    "Dataframe": "表格",
    "Gradio footer navigation": "页脚导航",
    "chatbot conversation": "对话",
    "Close": "关闭",
    "Stop Recording": "停止录制",
    "Error": "错误",
}

# Labels Gradio builds as English prefix + message (the message's markup is dropped: it is read aloud).
PREFIXES: dict[str, str] = {"bot's message: ": "助手的回答：", "user's message: ": "您的消息："}


def gradio_i18n() -> gr.I18n:
    return gr.I18n(**{"zh-CN": dict(TRANSLATED), "en": dict(TRANSLATED)})


@lru_cache(maxsize=1)
def labels_js() -> bytes:
    script = (STATIC / "labels.js").read_text(encoding="utf-8")
    names = json.dumps(HARD_CODED, ensure_ascii=False)
    return script.replace("__NAMES__", names).replace("__PREFIXES__", json.dumps(PREFIXES, ensure_ascii=False)).encode("utf-8")


@router.get("/assets/labels.js")
def labels_script() -> Response:
    return Response(labels_js(), media_type="application/javascript; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=3600"})
