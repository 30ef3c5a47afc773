"""Chinese names spelt in pinyin are found in Chinese text, in several fields."""

import pytest

from rag.romanize import romanized_in, written_as


@pytest.mark.parametrize(
    ("name", "text", "found"),
    [
        ("lanwan", "澜湾酒店预订须知", "澜湾"),  # a hotel
        ("li zhuo", "青山队前锋李卓以19个进球获得最佳射手", "李卓"),  # a footballer
        ("bank of jiangsu", "江苏银行透露", "江苏"),  # a bank: the run of words that spells
        ("hua xia bank", "华夏银行营销转化率提升30%", "华夏"),
        ("binjiang international marathon", "2024滨江国际马拉松鸣枪开跑", "滨江"),
        ("chongqing", "重庆市卫健委发布通知", "重庆"),  # 重 read chong, not zhong
        ("yinhang", "銀行", "銀行"),  # traditional characters too
        ("tesfaye", "埃塞俄比亚选手特斯法耶夺冠", ""),  # a foreign name in Chinese letters
        ("novalink", "路由器的默认管理地址", ""),
        ("women", "我们的客服", ""),  # a function word is no name
        ("li", "李卓", ""),  # one syllable spells too many characters
    ],
)
def test_a_pinyin_spelling_finds_its_characters(name: str, text: str, found: str) -> None:
    assert romanized_in(name, text) == found


@pytest.mark.parametrize(
    ("name", "text", "found"),
    [
        ("Li Zuo", "青山队前锋李卓以19个进球获得最佳射手。", "李卓"),  # sport: "zh" written "z"
        ("Li Zhuo", "青山队前锋李卓以19个进球获得最佳射手。", "李卓"),  # spelt right
        ("Zhou Han", "青山队中场周航当选赛季最佳球员。", "周航"),  # a letter missing
        ("Xu Lang", "许岚凭借《灯塔》获得最佳导演。", "许岚"),  # film: one letter changed
        ("Zhang Mingyan", "主任医师张明岩每周三上午出诊。", "张明岩"),  # medicine
        ("Lin Hai", "臨海市立博物館週一休館。", "臨海"),  # traditional characters
        ("Maka", "东湖队前锋马凯以23个进球获得最佳射手。", ""),  # too short to allow a wrong letter
        ("Chelsea", "青山队中场周航当选赛季最佳球员。", ""),  # spells nothing here
        ("Li Zuo", "李卓和李佐都进了球。", "李佐"),  # an exact spelling wins
        ("Wang Fen", "王帆与王凡同场竞技。", ""),  # two as near: none
    ],
)
def test_a_name_spelt_one_letter_off_is_written_as_the_passage_writes_it(
    name: str, text: str, found: str
) -> None:
    assert written_as(name, text) == found
