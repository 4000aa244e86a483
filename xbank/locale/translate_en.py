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

# Training: public announcements, programs, the registration form and its confirmation.
EN_TRAINING = {
    "培训公告": "Training announcements",
    "职业技能等级证书培训，面向在校生和社会人员。": (
        "Skill certificate training for students and members of the public."
    ),
    "%(year)s年第%(issue)s期": "Issue %(issue)s of %(year)s",
    "发布于": "Published",
    "暂无培训公告。": "No announcements yet.",
    "招生对象": "Open to",
    "培训时间": "Dates",
    "培训地点": "Place",
    "名额": "Places",
    "培训费": "Fee",
    "元": "yuan",
    "免费": "Free",
    "查看并报名": "Details and registration",
    "剩余 %(n)s 个": "%(n)s left",
    "结业要求": "To complete",
    "出勤率不低于 %(pct)s%%": "Attendance of at least %(pct)s%%",
    "课程安排": "Sessions",
    "您已报名该培训项目": "You have registered for this program",
    "我的报名": "My registrations",
    "社会人员报名": "Register as a member of the public",
    "用我的账号报名": "Register with my account",
    "在校生登录报名": "Students: sign in to register",
    "名额已满，现在报名将进入候补；有人退出时按顺序递补。": (
        "The program is full: you will join the waitlist and move up when someone withdraws."
    ),
    "个人信息处理说明": "How your personal information is processed",
    "版本 %(v)s": "Version %(v)s",
    "Translation for reference; the Chinese text above governs.": (
        "Translation for reference; the Chinese text above governs."
    ),
    "我已阅读并同意上述个人信息处理说明": (
        "I have read and agree to the processing of my personal information described above"
    ),
    "提交报名": "Register",
    "姓名": "Name",
    "证件类型": "Document type",
    "证件号码": "Document number",
    "手机号": "Mobile phone",
    "学历": "Education",
    "工作单位": "Employer",
    "请选择": "Please choose",
    "初中及以下": "Junior secondary or below",
    "高中": "Senior secondary",
    "中专/中职": "Vocational secondary",
    "大专": "Associate degree",
    "本科": "Bachelor's degree",
    "研究生": "Postgraduate",
    "请填写姓名": "Please enter your name",
    "姓名不能超过 50 个字": "The name may have at most 50 characters",
    "请选择证件类型": "Please choose a document type",
    "证件类型无效": "Unknown document type",
    "请填写证件号码": "Please enter your document number",
    "证件号码%(reason)s": "Document number: %(reason)s",
    "请填写手机号": "Please enter your mobile phone number",
    "手机号应为 11 位手机号码（港澳号码加 852/853）": (
        "The mobile number should have 11 digits (Hong Kong / Macao: 852 / 853 and 8 digits)"
    ),
    "请选择学历": "Please choose your education",
    "学历选项无效": "Unknown education",
    "工作单位不能超过 100 个字": "The employer may have at most 100 characters",
    "请阅读并勾选同意个人信息处理说明": (
        "Please read and tick your agreement to the processing of your personal information"
    ),
    "个人信息处理说明已更新，请重新阅读并同意": (
        "The text on personal information has changed: please read it and agree again"
    ),
    "该培训项目当前不在报名期内": "This program is not open for registration",
    "已报名该培训项目，同一人不能重复报名": (
        "Already registered: a person can register for a program only once"
    ),
    "该培训项目只面向本校在校生，请用学生账号登录后报名": (
        "This program is for the college's students: sign in with a student account"
    ),
    "该培训项目只面向社会人员，请通过公开报名表报名": (
        "This program is for members of the public: use the public registration form"
    ),
    "当前登录用户没有个人学习账户，不能报名": (
        "Your login has no learning account, so it cannot register"
    ),
    "报名结果": "Registration",
    "报名成功，等待审核": "Registered: awaiting review",
    "报名成功，已录取": "Registered and admitted",
    "信息需人工核对，工作人员会与您联系": (
        "Your details need to be checked by hand; our staff will contact you"
    ),
    "名额已满，您在候补第 %(n)s 位": "The program is full: you are number %(n)s on the waitlist",
    "请保存本页链接，可随时查看报名状态或退出报名。": (
        "Keep the link to this page: you can check your status or withdraw here at any time."
    ),
    "培训项目": "Program",
    "报名时间": "Registered on",
    "状态": "Status",
    "退出报名": "Withdraw",
    "已退出报名。": "You have withdrawn.",
    "同一网络地址提交报名过于频繁，请稍后再试。": (
        "Too many registrations from this network address: please try again shortly."
    ),
    "第 %(n)s 位": "no. %(n)s",
    "在校生": "Students",
    "社会人员": "Members of the public",
    "在校生和社会人员": "Students and the public",
    "校内": "On campus",
    "校外（送培上门）": "Off site (training brought to the community)",
    "草稿": "Draft",
    "已发布": "Announced",
    "报名中": "Open for registration",
    "报名截止": "Registration closed",
    "已结班": "Finished",
    "待审核": "Awaiting review",
    "已录取": "Admitted",
    "未通过": "Not admitted",
    "候补": "Waitlisted",
    "已退出": "Withdrawn",
    "已结业": "Completed",
    "未结业": "Not completed",
    "初级": "Junior",
    "中级": "Intermediate",
    "高级": "Senior",
    "五级/初级工": "Grade 5 (junior worker)",
    "四级/中级工": "Grade 4 (intermediate worker)",
    "三级/高级工": "Grade 3 (senior worker)",
    "二级/技师": "Grade 2 (technician)",
    "一级/高级技师": "Grade 1 (senior technician)",
    "居民身份证": "Resident identity card",
    "港澳台居民居住证": "Residence permit for Hong Kong, Macao and Taiwan residents",
    "港澳居民来往内地通行证": "Mainland travel permit for Hong Kong and Macao residents",
    "台湾居民来往大陆通行证": "Mainland travel permit for Taiwan residents",
    "护照": "Passport",
}
EN |= EN_TRAINING

# Credit bank: the public calculator (学分计算器).
EN_CREDITBANK = {
    "学分计算器": "Credit calculator",
    "选择证书和等级，查看它在各院校可免修的课程和可转换的学分。": (
        "Choose a certificate and a level to see which courses it exempts and how many credits "
        "it brings at each institution."
    ),
    "等级": "Level",
    "请选择证书": "Choose a certificate",
    "不限等级": "Any level",
    "计算": "Calculate",
    "下列为各院校现行的转换规则，课程学分以各人才培养方案为准。": (
        "These are the conversion rules in force at each institution; a course's credits are "
        "those of each curriculum. "
    ),
    "转换学分另受各院校上限限制，默认不超过毕业总学分的一半。": (
        "Converted credits are capped by each institution, by default at half the credits "
        "needed to graduate."
    ),
    "区域学分银行（互认）": "Regional credit bank (mutual recognition)",
    "%(n)s 学分": "%(n)s credits",
    "条件": "Conditions",
    "%(level)s及以上": "%(level)s or above",
    "分数不低于 %(score)s": "score of at least %(score)s",
    "%(n)s 年内取得": "obtained within %(n)s years",
    "发证机构为「%(issuer)s」": "issued by “%(issuer)s”",
    "免修「%(course)s」（%(n)s 学分）": "Exempts “%(course)s” (%(n)s credits)",
    "计入%(category)s %(n)s 学分": "%(n)s %(category)s",
    "说明": "Explanation",
    "没有适用的转换规则。": "No conversion rule applies.",
    "职业技能等级证书": "Vocational skill level certificate",
    "职业资格证书": "Vocational qualification certificate",
    "学历证书": "Diploma",
    "公共基础课学分": "general education credits",
    "专业核心课学分": "core course credits",
    "专业课学分": "professional course credits",
    "实践学分": "practical credits",
    "选修学分": "elective credits",
}
EN |= EN_CREDITBANK

# The front door, the error pages and the login lockout (issue 10, issue 9).
EN_FRONT = {
    "1+X 证书培训、考核、学分银行：学历证书、课程成绩和职业技能等级证书，记入一个学习账户。": (
        "1+X certificate training, assessment and credit bank: diplomas, course results and "
        "skill certificates, all in one learning account."
    ),
    "培训公告": "Training announcements",
    "面向在校生和社会人员的 1+X 证书培训，在线报名。": (
        "1+X certificate training for students and the public; register online."
    ),
    "证书核验": "Verify a certificate",
    "输入证书上的核验码": "Type the code printed on the certificate",
    "也可以用手机扫描证书上的二维码，直接打开核验页。": (
        "Or scan the certificate's QR code with a phone to open its verification page."
    ),
    "学分计算器": "Credit calculator",
    "看看您的证书和成绩可以转换多少学分、免修哪些课程。": (
        "See how many credits your certificates and results convert to, and which courses "
        "they exempt you from."
    ),
    "学生、教师和各部门工作人员登录工作台。": (
        "Students, teachers and staff sign in to their workbench."
    ),
    "页面不存在": "Page not found",
    "您要找的页面不存在，或者您没有查看它的权限。请检查地址，或从下面的链接继续。": (
        "The page you asked for does not exist, or you may not see it. Check the address, or "
        "go on from the links below."
    ),
    "没有权限": "Not allowed",
    "您的角色不能进行这项操作。如果您认为应该可以，请联系本单位的系统管理员分配角色。": (
        "Your role may not do this. If you think it should, ask your institution's "
        "administrator for the role."
    ),
    "请求有误": "Bad request",
    "浏览器发来的请求无法处理。请刷新页面后重试。": (
        "Your browser's request could not be handled. Reload the page and try again."
    ),
    "回到首页": "Home",
    "回到工作台": "Back to the workbench",
    "返回上一页": "Go back",
    "登录已暂时锁定": "Sign-in paused",
    "登录失败次数过多，已暂时锁定": "Too many failed sign-ins: sign-in is paused",
    "您所在网络地址的登录失败次数过多，所有账户从该地址的登录已暂停 15 分钟。请稍后再试；如忘记密码，请联系信息中心。": (
        "Too many sign-ins failed from your network address: sign-in from it is paused for "
        "15 minutes, for every account. Try again later; if you forgot your password, contact "
        "the IT centre."
    ),
    "为保护账户安全，该账户在本机的登录已锁定 15 分钟。如忘记密码，请联系信息中心。": (
        "To protect the account, sign-in to it from this device is paused for 15 minutes. If "
        "you forgot your password, contact the IT centre."
    ),
}
EN |= EN_FRONT


def fill(text: str) -> str:
    def replace(match: re.Match) -> str:
        # makemessages wraps a long msgid over several lines (``msgid ""`` then the parts).
        parts = re.findall(r'"((?:[^"\\]|\\.)*)"', match.group(1))
        msgid = "".join(parts)
        plain = msgid.replace('\\"', '"')
        if plain in EN:
            value = EN[plain].replace('"', '\\"')
            return f'msgid {match.group(1).rstrip()}\nmsgstr "{value}"'
        return match.group(0)

    # An empty msgstr, or one that makemessages re-wrapped over several lines on a later run
    # (``msgstr ""`` then continuation lines): either way it is replaced by one line.
    return re.sub(
        r'msgid ((?:"(?:[^"\\]|\\.)*"\n)+)msgstr ""(?:\n"(?:[^"\\]|\\.)*")*', replace, text
    )


if __name__ == "__main__":
    PO.write_text(fill(PO.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"filled {PO}")
