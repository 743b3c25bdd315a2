"""Synthetic Chinese identities: names, resident ID numbers, mobiles.

Everything is drawn from the caller's `random.Random`, so a seed reproduces the same
people. The ID numbers have a valid format and check digit but belong to nobody.
"""

import random
import uuid
from datetime import date, timedelta

# Roughly the most common surnames first; weights fall off with rank (a Zipf-like tail).
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
    "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎"
    "贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
SURNAME_WEIGHTS = [1.0 / (rank + 8) for rank in range(len(SURNAMES))]
# Two-character surnames are rare in practice (well under 1 %).
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "皇甫", "令狐")
COMPOUND_SHARE = 0.006

MALE_CHARS = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林阳建志国兴文荣峰成东海亮"
FEMALE_CHARS = "芳娜敏静丽艳娟霞秀燕玲桂丹萍红玉兰英梅琳雪倩婷颖慧莉晶佳欣怡瑶璐洁琴云珊悦薇"
SHARED_CHARS = "子思雨晨嘉家春秋世振天立永金德昊安"

# Kunming county-level region codes (GB/T 2260) used in the first six ID digits.
KUNMING_REGION_CODES = {
    "530102": "五华区",
    "530103": "盘龙区",
    "530111": "官渡区",
    "530112": "西山区",
    "530113": "东川区",
    "530114": "呈贡区",
    "530115": "晋宁区",
    "530181": "安宁市",
}
REGION_CODE_BY_DISTRICT = {name: code for code, name in KUNMING_REGION_CODES.items()}

# ISO 7064 MOD 11-2 as used by GB 11643-1999.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"

# Mainland mobile prefixes in current use (China Mobile, Unicom, Telecom, Broadnet).
MOBILE_PREFIXES = (
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 "
    "170 173 175 176 177 178 180 181 182 183 184 185 186 187 188 189 "
    "191 193 195 197 198 199"
).split()


def resident_id_check_digit(first17: str) -> str:
    """The 18th character of a resident ID number for its first 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("expected 17 digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def new_uuid(rng: random.Random) -> uuid.UUID:
    """A version-4 UUID from the seeded generator (uuid4() would break reproducibility)."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def surname(rng: random.Random) -> str:
    if rng.random() < COMPOUND_SHARE:
        return rng.choice(COMPOUND_SURNAMES)
    return rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0]


def given_name(rng: random.Random, *, male: bool) -> str:
    pool = (MALE_CHARS if male else FEMALE_CHARS) + SHARED_CHARS
    length = 1 if rng.random() < 0.25 else 2
    return "".join(rng.choice(pool) for _ in range(length))


class IdentityMint:
    """Hands out unique resident IDs, mobiles and customer numbers for one seeding run."""

    def __init__(self, rng: random.Random, today: date):
        self.rng = rng
        self.today = today
        self._ids: set[str] = set()
        self._mobiles: set[str] = set()
        self._customers: set[str] = set()

    def birth_date(self, *, min_age: int = 22, max_age: int = 65) -> date:
        # Age in whole years on `today` between min_age and max_age inclusive.
        oldest = _years_before(self.today, max_age + 1) + timedelta(days=1)
        youngest = _years_before(self.today, min_age)
        return oldest + timedelta(days=self.rng.randrange((youngest - oldest).days + 1))

    def resident_id(self, *, region: str, born: date, male: bool) -> str:
        while True:
            # Sequence 001–999; odd for men, even for women (GB 11643-1999).
            seq = self.rng.randrange(0, 500) * 2 + 1 if male else self.rng.randrange(1, 500) * 2
            first17 = f"{region}{born:%Y%m%d}{seq:03d}"
            number = first17 + resident_id_check_digit(first17)
            if number not in self._ids:
                self._ids.add(number)
                return number

    def mobile(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self._mobiles:
                self._mobiles.add(number)
                return number

    def customer_number(self) -> str:
        while True:
            number = f"KM{self.rng.randrange(10**9, 10**10)}"
            if number not in self._customers:
                self._customers.add(number)
                return number


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a non-leap year
        return day.replace(year=day.year - years, day=28)
