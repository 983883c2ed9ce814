"""The demo catalogue: five suppliers, one trade each, 65 products with their options.

Costs are in yuan here for readability and turned into fen by `sku_rows`; an option may carry
a cost factor in percent ("50ml" costs 160 % of "30ml").
"""

import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from linkmall.catalog.services.validation import SkuInput

Option = str | tuple[str, int]  # a value, or (value, cost percent of the base)


@dataclass(frozen=True)
class ProductDef:
    name: str
    subtitle: str
    base_cost_yuan: int
    specs: dict[str, list[Option]] = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True)
class SupplierDef:
    name: str
    short: str  # a code prefix for SKU codes
    contact_phone: str
    return_address: str
    category_name: str
    category_slug: str
    markup_percent: tuple[int, int]  # suggested price = cost × a markup in this range
    products: tuple[ProductDef, ...]


P = ProductDef
COLOURS_BASIC: list[Option] = ["白色", "黑色", "雾霾蓝"]
SIZES_ADULT: list[Option] = ["S", "M", "L", "XL"]

SUPPLIERS: tuple[SupplierDef, ...] = (
    SupplierDef(
        "杭州颜究美妆供应链有限公司", "YJ", "0571-86001234", "杭州市拱墅区祥园路 88 号 3 号楼仓库",
        "美妆", "beauty", (180, 240),
        (
            P("玻尿酸补水精华液", "深层补水 · 敏感肌可用", 42, {"规格": ["30ml", ("50ml", 160)]}),
            P("氨基酸温和洁面乳", "绵密泡沫 · 洗后不紧绷", 18, {"规格": ["120g"]}),
            P("烟酰胺亮肤面膜", "提亮肤色 · 蚕丝膜布", 25, {"规格": ["5片装", ("10片装", 190)]}),
            P("丝绒雾面口红", "显白不拔干 · 持久不沾杯", 32, {"色号": ["正红#01", "豆沙#02", "枫叶#03", "奶茶#04"]}),
            P("轻透防晒乳 SPF50+", "清爽不油腻 · 通勤户外", 36, {"规格": ["50ml"]}),
            P("水润保湿面霜", "24 小时锁水 · 秋冬必备", 48, {"规格": ["50g"]}),
            P("持妆粉底液", "遮瑕持妆 · 轻薄透气", 55, {"色号": ["象牙白", "自然色", "小麦色"]}),
            P("温和卸妆水", "一擦即净 · 眼唇可用", 22, {"规格": ["200ml", ("400ml", 170)]}),
            P("抗初老紧致眼霜", "淡化细纹 · 滚珠按摩头", 60, {"规格": ["15g"]}),
            P("护手霜礼盒", "三种香型 · 节日送礼", 28, {"规格": ["3支装"]}),
            P("遮瑕气垫 BB 霜", "自然裸妆 · 附替换装", 45, {"色号": ["01 亮白", "02 自然"]}),
            P("舒缓修护爽肤水", "积雪草精华 · 二次清洁", 30, {"规格": ["200ml"]}),
            P("防水细芯眉笔", "根根分明 · 不晕染", 12, {"色号": ["深棕", "浅棕", "灰黑"]}),
        ),
    ),
    SupplierDef(
        "广州织锦服饰有限公司", "ZJ", "020-83005678", "广州市白云区石井街道织锦工业园 6 栋",
        "服饰", "apparel", (170, 230),
        (
            P("纯棉圆领短袖 T 恤", "新疆长绒棉 · 不变形", 26, {"颜色": COLOURS_BASIC, "尺码": SIZES_ADULT}),
            P("宽松连帽卫衣", "加绒加厚 · 情侣款", 58, {"颜色": ["燕麦色", "黑色"], "尺码": SIZES_ADULT}),
            P("高腰直筒牛仔裤", "显瘦垂感 · 微弹", 62, {"颜色": ["浅蓝", "深蓝"], "尺码": ["26", "27", "28", "29"]}),
            P("桑蚕丝衬衫", "19 姆米真丝 · 通勤百搭", 168, {"颜色": ["香槟色", "白色"], "尺码": ["S", "M", "L"]}),
            P("羊毛针织开衫", "澳洲美利奴 · 柔软亲肤", 118, {"颜色": ["米白", "驼色"], "尺码": ["M", "L"]}),
            P("轻薄白鸭绒羽绒服", "90% 白鸭绒 · 可收纳", 189, {"颜色": ["黑色", "藏青"], "尺码": SIZES_ADULT}),
            P("运动休闲束脚裤", "速干面料 · 抽绳松紧", 45, {"颜色": ["黑色", "灰色"], "尺码": SIZES_ADULT}),
            P("法式碎花连衣裙", "收腰显瘦 · 雪纺内衬", 88, {"颜色": ["蓝底碎花", "黄底碎花"], "尺码": ["S", "M", "L"]}),
            P("商务免烫衬衫", "抗皱免烫 · 修身版型", 72, {"颜色": ["白色", "浅蓝"], "尺码": ["39", "40", "41", "42"]}),
            P("纯棉家居服套装", "亲肤透气 · 长袖长裤", 66, {"颜色": ["灰粉", "灰蓝"], "尺码": ["M", "L", "XL"]}),
            P("冰丝防晒外套", "UPF50+ · 轻薄透气", 39, {"颜色": ["白色", "浅紫"], "尺码": ["均码"]}),
            P("百褶半身裙", "高腰 A 字 · 垂坠不皱", 52, {"颜色": ["黑色", "卡其"], "尺码": ["S", "M", "L"]}),
            P("精梳棉中筒袜", "吸汗防臭 · 5 双装", 15, {"颜色": ["混色"], "尺码": ["均码"]}),
        ),
    ),
    SupplierDef(
        "义乌优居家居用品有限公司", "YU", "0579-85123456", "金华市义乌市北苑街道春华路 199 号",
        "家居", "home", (160, 220),
        (
            P("慢回弹记忆棉枕头", "护颈曲线 · 可拆洗枕套", 58, {"规格": ["标准款", ("加高款", 115)]}),
            P("全棉磨毛四件套", "A 类母婴级 · 不起球", 128,
              {"尺寸": ["1.5m 床", ("1.8m 床", 118)], "颜色": ["雾蓝", "燕麦"]}),
            P("竹纤维毛巾", "柔软吸水 · 3 条装", 24, {"颜色": ["米白", "浅灰"]}),
            P("北欧陶瓷餐具套装", "釉下彩 · 可进微波炉", 86, {"规格": ["2 人食", ("4 人食", 180)]}),
            P("316 不锈钢保温杯", "12 小时保温 · 一键开盖", 38,
              {"容量": ["350ml", ("500ml", 120)], "颜色": ["奶白", "墨绿"]}),
            P("大豆蜡香薰蜡烛", "无烟助眠 · 40 小时", 22, {"香型": ["白茶", "无花果", "雪松"]}),
            P("可折叠收纳箱", "加厚 PP · 带盖", 19, {"规格": ["35L", ("55L", 140)]}),
            P("天然乳胶床垫", "泰国乳胶 · 5cm 厚", 520, {"尺寸": ["1.5m", ("1.8m", 120)]}),
            P("原木浆抽纸", "三层加厚 · 24 包整箱", 29, {"规格": ["24 包"]}),
            P("德式厨房刀具套装", "高碳不锈钢 · 7 件套", 138, {"规格": ["7 件套"]}),
            P("懒人沙发豆袋", "EPP 颗粒 · 可拆洗", 98, {"颜色": ["奶咖", "灰色"]}),
            P("静音香薰加湿器", "4L 大容量 · 上加水", 68, {"颜色": ["白色"]}),
            P("玻璃密封储物罐", "高硼硅 · 防潮", 16, {"容量": ["800ml", ("1200ml", 135)]}),
        ),
    ),
    SupplierDef(
        "千岛湖鲜达农产品有限公司", "XD", "0571-64881234", "杭州市淳安县千岛湖镇鼓山大道 18 号冷库",
        "生鲜", "fresh", (150, 200),
        (
            P("千岛湖有机鱼头", "淡水有机 · 冷链直达", 58, {"重量": ["约 2 斤", ("约 3 斤", 145)]}),
            P("赣南脐橙", "现摘现发 · 甜度 13+", 32, {"重量": ["5 斤装", ("10 斤装", 185)]}),
            P("阳澄湖大闸蟹礼盒", "公 4.0 两 母 3.0 两 · 4 对", 268, {"规格": ["4 对装"]}),
            P("五常稻花香大米", "当季新米 · 真空包装", 45, {"重量": ["5kg", ("10kg", 190)]}),
            P("散养土鸡蛋", "林下散养 · 30 枚", 36, {"规格": ["30 枚"]}),
            P("阿克苏冰糖心苹果", "脆甜多汁 · 果径 80mm+", 39, {"重量": ["5 斤装", ("10 斤装", 185)]}),
            P("云南高原蓝莓", "18mm+ 大果 · 125g×4 盒", 42, {"规格": ["4 盒装"]}),
            P("明前西湖龙井", "核心产区 · 2025 新茶", 320, {"重量": ["125g", ("250g", 195)]}),
            P("内蒙古羔羊肉卷", "草原散养 · 涮火锅", 48, {"重量": ["500g×2", ("500g×4", 195)]}),
            P("海南妃子笑荔枝", "产地直发 · 顺丰冷链", 55, {"重量": ["3 斤装", ("5 斤装", 160)]}),
            P("舟山东海带鱼", "冰鲜整条切段 · 1.5kg", 62, {"规格": ["1.5kg"]}),
            P("临安手剥山核桃", "椒盐口味 · 罐装", 35, {"重量": ["250g", ("500g", 190)]}),
            P("奉化水蜜桃", "入口即化 · 6 个装", 45, {"规格": ["6 个装", ("12 个装", 190)]}),
        ),
    ),
    SupplierDef(
        "宁波小禾母婴用品有限公司", "XH", "0574-87654321", "宁波市鄞州区首南街道学府路 55 号",
        "母婴", "baby", (160, 210),
        (
            P("超薄透气纸尿裤", "瞬吸干爽 · 整箱装", 72, {"尺码": ["S", "M", "L", "XL"]}),
            P("婴儿手口湿巾", "EDI 纯水 · 80 抽×6 包", 26, {"规格": ["6 包"]}),
            P("宝宝有机高铁米粉", "6 月龄+ · 无添加白砂糖", 38, {"口味": ["原味", "南瓜", "胡萝卜"]}),
            P("纯棉婴儿连体衣", "A 类面料 · 护肚款", 35, {"尺码": ["59", "66", "73", "80"], "颜色": ["奶白", "浅粉"]}),
            P("儿童吸管保温杯", "316 内胆 · 防漏", 42, {"颜色": ["恐龙蓝", "兔子粉"]}),
            P("宽口径玻璃奶瓶", "防胀气 · 耐高温", 29, {"容量": ["160ml", ("240ml", 115)]}),
            P("婴儿洗护套装", "无泪配方 · 洗发沐浴二合一", 56, {"规格": ["3 件套"]}),
            P("大颗粒益智积木", "食品级 ABS · 120 块", 68, {"规格": ["120 块"]}),
            P("轻便可折叠婴儿推车", "一键收车 · 可坐可躺", 380, {"颜色": ["星空灰", "燕麦白"]}),
            P("U 型孕妇护腰枕", "侧睡神器 · 可拆洗", 88, {"颜色": ["浅灰"]}),
            P("纱布口水巾", "六层纱布 · 5 条装", 19, {"颜色": ["混色"]}),
            P("儿童软毛牙刷", "万毛细软 · 4 支装", 16, {"规格": ["2-6 岁", "6-12 岁"]}),
            P("婴儿润肤乳", "燕麦舒缓 · 200ml", 34, {"规格": ["200ml"]}),
        ),
    ),
)


def _split(option: Option) -> tuple[str, int]:
    return (option, 100) if isinstance(option, str) else option


def _nice_price(fen: int) -> int:
    """Round a price up to whole yuan ending in 9 (…9.00), the way shops price."""
    yuan = -(-fen // 100)
    yuan += (9 - yuan % 10) % 10
    return yuan * 100


def sku_rows(supplier: SupplierDef, product: ProductDef, product_index: int, rng: random.Random) -> "list[SkuInput]":
    """The SKUs of a product: one per combination of its options, as `product_create` takes them."""
    combos: list[tuple[dict[str, str], int]] = [({}, 100)]
    for spec_name, options in product.specs.items():
        combos = [
            ({**spec, spec_name: value}, percent * factor // 100)
            for spec, percent in combos
            for value, factor in map(_split, options)
        ]
    markup_low, markup_high = supplier.markup_percent
    markup = rng.randint(markup_low, markup_high)
    rows: list[SkuInput] = []
    for n, (spec, percent) in enumerate(combos, start=1):
        # base yuan × percent = fen; suppliers quote whole yuan
        cost_fen = (product.base_cost_yuan * percent + 50) // 100 * 100
        rows.append({
            "code": f"{supplier.short}-{product_index:03d}-{n:02d}",
            "spec": spec,
            "cost_fen": cost_fen,
            "suggested_price_fen": _nice_price(cost_fen * markup // 100),
            "stock": rng.randint(300, 1500),
        })
    return rows
