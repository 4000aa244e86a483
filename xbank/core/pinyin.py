"""Pinyin sort keys for Chinese names, so lists sort the way a Chinese reader expects.

pypinyin reads a name as ordinary text, which gives the wrong reading for surnames that are
heteronyms (曾 is zeng as a surname, not ceng). The surname is read from a small override table
first; compound surnames (欧阳, 司马…) are matched before single ones.
"""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin

SURNAME_READINGS = {
    "欧阳": "ou yang", "司马": "si ma", "上官": "shang guan", "诸葛": "zhu ge",
    "长孙": "zhang sun", "尉迟": "yu chi", "单于": "chan yu", "令狐": "ling hu",
    "皇甫": "huang fu", "东方": "dong fang", "慕容": "mu rong", "公孙": "gong sun",
    "曾": "zeng", "单": "shan", "仇": "qiu", "解": "xie", "查": "zha", "区": "ou",
    "朴": "piao", "盖": "ge", "缪": "miao", "尉": "yu", "乐": "yue", "覃": "qin",
    "种": "chong", "黑": "he", "重": "chong", "长": "chang", "沈": "shen", "翟": "zhai",
    "秘": "bi", "召": "shao", "繁": "po", "员": "yun", "华": "hua", "任": "ren",
}  # fmt: skip
_COMPOUND = sorted((s for s in SURNAME_READINGS if len(s) > 1), key=len, reverse=True)


@lru_cache(maxsize=65536)
def name_sort_key(name: str) -> str:
    name = (name or "").strip()
    if not name:
        return ""
    surname = next((s for s in _COMPOUND if name.startswith(s)), name[0])
    head = SURNAME_READINGS.get(surname) or " ".join(lazy_pinyin(surname, style=Style.NORMAL))
    rest = " ".join(lazy_pinyin(name[len(surname) :], style=Style.NORMAL))
    return f"{head} {rest}".strip().lower()
