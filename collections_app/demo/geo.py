"""Kunming districts: centres, postcodes, road names, and addresses jittered around them."""

import random
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class District:
    name: str
    lat: float
    lng: float
    postal_code: str
    roads: tuple[str, ...]
    weight: float  # share of borrowers living there


def _district(name: str, lat: float, lng: float, postal: str, roads: str, weight: float):
    return District(name, lat, lng, postal, tuple(roads.split()), weight)


# Approximate centres of each urban core, and street names found in each district.
DISTRICTS = (
    _district(
        "五华区",
        25.043,
        102.704,
        "650031",
        "人民中路 东风西路 青年路 华山南路 "
        "一二一大街 学府路 建设路 西昌路 翠湖南路 龙泉路 南屏街 红锦路",
        0.18,
    ),
    _district(
        "盘龙区",
        25.071,
        102.720,
        "650051",
        "北京路 白塔路 东风东路 穿金路 金星路 世博路 联盟路 桃园街 茨坝路 金实路 东华路",
        0.17,
    ),
    _district(
        "官渡区",
        25.015,
        102.744,
        "650200",
        "春城路 关上中路 民航路 广福路 彩云北路 金马路 双龙路 官南大道 日新路 巫家坝路 国贸路",
        0.22,
    ),
    _district(
        "西山区",
        25.038,
        102.664,
        "650100",
        "滇池路 前兴路 西园路 人民西路 昌源中路 兴苑路 马街南路 福海路 金碧路 日新中路 环城南路",
        0.17,
    ),
    _district(
        "呈贡区",
        24.889,
        102.821,
        "650500",
        "彩云南路 洛龙路 吴家营路 雨花路 聚贤街 春融街 祥和街 斗南路 七彩路",
        0.11,
    ),
    _district(
        "晋宁区", 24.667, 102.595, "650600", "昆阳街 宝峰路 月山中路 郑和路 新街路 晋城大道", 0.05
    ),
    _district(
        "安宁市",
        24.919,
        102.478,
        "650300",
        "大屯路 金方路 宁湖路 昆钢大道 太平路 建安街 连然路",
        0.06,
    ),
    _district(
        "东川区", 26.083, 103.188, "654100", "铜都大道 碧谷路 建设路 新村路 姑海路 团结路", 0.04
    ),
)
DISTRICT_WEIGHTS = [d.weight for d in DISTRICTS]
# Offices cluster in the central districts.
WORK_WEIGHTS = [0.26, 0.22, 0.26, 0.14, 0.07, 0.01, 0.03, 0.01]

ESTATES = tuple(
    "翠湖苑 金色家园 滇池花园 春城小区 阳光城 世纪城 金碧雅苑 南亚风情园 俊发城 云大小区 "
    "龙泉花园 银海畅园 书林苑 盘龙新村 和谐家园 彩云居 锦园 万科城 金江小区 西苑小区 昆钢新村 "
    "铜都花园 安居小区 春晖园".split()
)
OFFICE_BUILDINGS = tuple(
    "商务中心 国际大厦 金融中心 广场写字楼 产业园 科技园 工业园区 综合楼".split()
)
JITTER = 0.02  # degrees, about 2 km: spreads homes across a district without leaving it


@dataclass(frozen=True)
class Place:
    district: str
    street: str
    postal_code: str
    lat: Decimal
    lng: Decimal


def pick_district(rng: random.Random, *, work: bool = False) -> District:
    return rng.choices(DISTRICTS, weights=WORK_WEIGHTS if work else DISTRICT_WEIGHTS)[0]


def _coords(rng: random.Random, district: District) -> tuple[Decimal, Decimal]:
    lat = district.lat + rng.uniform(-JITTER, JITTER)
    lng = district.lng + rng.uniform(-JITTER, JITTER)
    return Decimal(f"{lat:.6f}"), Decimal(f"{lng:.6f}")


def home_place(rng: random.Random, district: District) -> Place:
    road = rng.choice(district.roads)
    room = f"{rng.randint(1, 28)}{rng.randint(1, 6):02d}"
    street = (
        f"{road}{rng.randint(1, 899)}号{rng.choice(ESTATES)}"
        f"{rng.randint(1, 24)}栋{rng.randint(1, 4)}单元{room}室"
    )
    lat, lng = _coords(rng, district)
    return Place(district.name, street, district.postal_code, lat, lng)


def work_place(rng: random.Random, district: District) -> Place:
    road = rng.choice(district.roads)
    building = f"{road[:2]}{rng.choice(OFFICE_BUILDINGS)}"
    street = f"{road}{rng.randint(1, 899)}号{building}{rng.randint(1, 30)}楼"
    lat, lng = _coords(rng, district)
    return Place(district.name, street, district.postal_code, lat, lng)
