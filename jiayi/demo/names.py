"""Name pools: surnames with frequencies, given names by sex and era, mobile prefixes."""

# Space-separated strings keep hundreds of short names readable.
# ruff: noqa: SIM905

# Surnames with rough relative frequency in south-east Chongqing (Tujia and Miao areas add
# 向, 冉, 谭, 田, 彭, 龚 to the national top of 王, 李, 张, 刘, 陈, 杨): "李70" = 李 with weight 70.
_SURNAME_WEIGHTS = (
    "李70 王62 张58 陈50 刘48 杨45 向40 谭32 田30 彭28 冉26 何24 吴22 黄22 周20 "
    "罗20 龚16 徐15 赵15 胡14 唐14 曾13 邓13 任12 石12 蒋11 杜10 余10 郑10 孙10 "
    "马9 朱9 高9 谢9 肖8 冯8 程8 袁8 叶7 秦7 侯7 崔6 蔡6 吕6 丁5 姚5 卢5 牟5 滕4 郭8 "
    "梁6 宋6"
).split()
SURNAMES = {w[0]: int(w[1:]) for w in _SURNAME_WEIGHTS}

# Given names by sex and birth era: the names people of each generation actually carry.
GIVEN = {
    ("M", "old"): (
        "建国 国华 德明 文华 志刚 明 华 国强 大富 光荣 永福 德全 正华 世明 天成 家贵 洪 林 学文 开富 仁贵 "
        "绍华"
    ).split(),
    ("F", "old"): (
        "秀英 桂英 秀兰 玉兰 桂兰 淑珍 凤英 玉珍 秀珍 翠花 素芬 兰 芳 秀芳 春梅 桂芳 小平 德英 菊 金凤 光秀 "
        "永芝"
    ).split(),
    ("M", "mid"): (
        "伟 强 勇 军 磊 涛 斌 波 杰 鹏 建华 小军 红兵 建平 志勇 俊 春林 明亮 晓东 刚 兵 江 毅"
    ).split(),
    ("F", "mid"): (
        "丽 娟 海燕 敏 静 燕 艳 霞 玲 红 琴 小红 丽娟 晓燕 春燕 雪梅 小琴 利 英 海霞 婷 莉 萍 慧 倩"
    ).split(),
    ("M", "young"): (
        "浩然 子轩 宇航 俊杰 梓涵 宇 轩 博文 浩宇 一鸣 子豪 睿 晨阳 思远 嘉豪 天佑 皓轩 铭 泽宇 锦程 奕辰 "
        "沐阳"
    ).split(),
    ("F", "young"): (
        "欣怡 梓涵 诗涵 雨涵 思琪 可欣 佳怡 若汐 梦瑶 雨桐 一诺 语桐 紫涵 欣妍 晨曦 悦 瑶 琪 心怡 佳琪 子萱 "
        "芷若"
    ).split(),
}

MOBILE_PREFIXES = (
    "139 138 137 136 135 134 150 151 152 157 158 159 182 183 187 "
    "188 130 131 132 155 156 185 186 133 153 180 181 189 177 199 "
    "198 166 173 191"
).split()
