"""Merchants, stores and guides in 杭州, and the consumers who buy from them.

Store coordinates are GCJ-02 (what 高德/腾讯 maps show) of the named streets, to about 100 m.
"""

import random
from dataclasses import dataclass
from decimal import Decimal

CITY = "杭州"
PROVINCE = "浙江省"
CITY_FULL = "杭州市"


@dataclass(frozen=True)
class StoreDef:
    name: str
    district: str
    address: str
    latitude: Decimal
    longitude: Decimal
    phone: str
    opening_hours: str


@dataclass(frozen=True)
class MerchantDef:
    name: str
    contact_phone: str
    stores: tuple[StoreDef, ...]
    #: (display name, title) of each guide; guides are spread over the stores
    guides: tuple[tuple[str, str], ...]
    #: category slugs this merchant leans to when picking
    focus: tuple[str, ...]


MERCHANTS: tuple[MerchantDef, ...] = (
    MerchantDef(
        "西子生活优选", "0571-87961001",
        (
            StoreDef("西子生活优选·文三路店", "西湖区", "西湖区文三路 478 号华星时代广场 1 楼",
                     Decimal("30.277470"), Decimal("120.127520"), "0571-87961001", "09:00-21:30"),
            StoreDef("西子生活优选·黄龙店", "西湖区", "西湖区曙光路 122 号黄龙体育中心东门",
                     Decimal("30.269030"), Decimal("120.136830"), "0571-87961002", "10:00-22:00"),
        ),
        (("林晓雯", "美妆顾问"), ("陈思远", "店长"), ("王佳怡", "服饰搭配师")),
        ("beauty", "apparel", "home"),
    ),
    MerchantDef(
        "滨江鲜生活", "0571-86692002",
        (
            StoreDef("滨江鲜生活·江南大道店", "滨江区", "滨江区江南大道 3850 号创新大厦 1 楼",
                     Decimal("30.208560"), Decimal("120.212430"), "0571-86692002", "08:00-21:00"),
        ),
        (("周子豪", "生鲜主管"), ("吴梦琪", "母婴顾问")),
        ("fresh", "baby", "home"),
    ),
    MerchantDef(
        "未来科技城邻里好物", "0571-88733003",
        (
            StoreDef("邻里好物·文一西路店", "余杭区", "余杭区五常街道文一西路 998 号海创园 5 号楼",
                     Decimal("30.280210"), Decimal("120.011860"), "0571-88733003", "09:30-21:30"),
            StoreDef("邻里好物·良渚店", "余杭区", "余杭区良渚街道古墩路 1899 号",
                     Decimal("30.360320"), Decimal("120.080150"), "0571-88733004", "09:00-21:00"),
        ),
        (("郑欣然", "导购"), ("孙浩然", "店长"), ("何雨桐", "母婴顾问")),
        ("baby", "beauty", "fresh", "apparel"),
    ),
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏辉琳晶燕宇浩然欣怡子涵梓轩思雨佳琪婷雪梅晨"
PHONE_PREFIXES = ("135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159", "182", "187", "188",
                  "199")

#: (district, street, housing estate) for consumer addresses across 杭州
HANGZHOU_ADDRESSES: tuple[tuple[str, str, str], ...] = (
    ("西湖区", "文三路", "华星公寓"), ("西湖区", "古墩路", "西溪花园"), ("西湖区", "天目山路", "嘉绿苑"),
    ("西湖区", "紫金港路", "紫金庭园"), ("上城区", "解放路", "近江家园"), ("上城区", "秋涛路", "钱江苑"),
    ("拱墅区", "莫干山路", "和睦新村"), ("拱墅区", "湖墅南路", "大关苑"), ("滨江区", "江南大道", "东方郡"),
    ("滨江区", "滨盛路", "钱塘春晓"), ("滨江区", "长河路", "江南春城"), ("余杭区", "文一西路", "西溪诚园"),
    ("余杭区", "五常大道", "蒋村花园"), ("余杭区", "良渚路", "良渚文化村"), ("萧山区", "市心路", "金色钱塘"),
    ("临平区", "迎宾路", "星桥花园"),
)


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def unique_phones(rng: random.Random, count: int, *, taken: set[str] | None = None) -> list[str]:
    """`count` distinct mobile numbers, none of them in `taken`."""
    seen = set(taken or ())
    phones: list[str] = []
    while len(phones) < count:
        phone = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        if phone not in seen:
            seen.add(phone)
            phones.append(phone)
    return phones


def consumer_address(rng: random.Random, recipient: str, phone: str) -> dict:
    """An `address_create` payload somewhere in 杭州."""
    district, street, estate = rng.choice(HANGZHOU_ADDRESSES)
    return {
        "recipient": recipient,
        "phone": phone,
        "province": PROVINCE,
        "city": CITY_FULL,
        "district": district,
        "detail": f"{street} {rng.randint(1, 999)} 号{estate} {rng.randint(1, 30)} 幢 "
                  f"{rng.randint(1, 3)} 单元 {rng.randint(1, 28)}{rng.randint(1, 4):02d} 室",
    }
