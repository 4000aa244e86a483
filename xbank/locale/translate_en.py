"""Fill the English catalog for the public pages (verification, announcements, registration).

Run ``python manage.py makemessages -l en`` then ``python xbank/locale/translate_en.py`` and
``python manage.py compilemessages``. Staff pages stay Chinese-only; the public ones are read by
verifiers from Hong Kong, Macao and abroad.
"""

from __future__ import annotations

import re
from pathlib import Path

PO = Path(__file__).parent / "en" / "LC_MESSAGES" / "django.po"

EN = {
    "书证融通平台": "XBank Credential Platform",
    "菜单": "Menu",
    "登录": "Sign in",
    "登录书证融通平台": "Sign in to XBank",
    "用户名": "Username",
    "密码": "Password",
    "退出": "Sign out",
    "证书与成绩单核验": "Verify a certificate or transcript",
    "扫描文书上的二维码，或输入文书上印的核验码。": (
        "Scan the QR code on the document, or type the verification code printed on it."
    ),
    "核验码": "Verification code",
    "核验": "Verify",
    "核验结果": "Verification result",
    "未找到该文书": "No such document",
    "核验码不存在。请核对核验码，或联系签发机构。": (
        "This verification code does not exist. Check the code, or contact the issuer."
    ),
    "有效": "Valid",
    "已撤销": "Revoked",
    "该文书由本平台签发，内容如下": "This document was issued through XBank as follows",
    "该文书已于 %(when)s 撤销，不再有效。": "This document was revoked on %(when)s and is no longer valid.",
    "原因": "Reason",
    "类型": "Type",
    "名称": "Title",
    "持有人": "Holder",
    "签发机构": "Issued by",
    "签发时间": "Issued on",
    "请求过于频繁": "Too many requests",
    "为防止核验码被批量猜测，每个网络地址每分钟可核验 30 次。请稍后再试。": (
        "To stop codes from being guessed, each address may verify 30 times a minute. "
        "Please try again shortly."
    ),
    "成绩单": "Transcript",
    "证书": "Certificate",
    "准考证": "Admission ticket",
    "培训结业证明": "Training completion",
    "学习成果认定书": "Recognition of learning outcomes",
    "登录失败次数过多，已暂时锁定": "Too many failed sign-ins: temporarily locked",
}


def fill(text: str) -> str:
    def replace(match: re.Match) -> str:
        msgid = match.group(1)
        plain = msgid.replace('\\"', '"')
        if plain in EN:
            value = EN[plain].replace('"', '\\"')
            return f'msgid "{msgid}"\nmsgstr "{value}"'
        return match.group(0)

    return re.sub(r'msgid "((?:[^"\\]|\\.)+)"\nmsgstr ""', replace, text)


if __name__ == "__main__":
    PO.write_text(fill(PO.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"filled {PO}")
