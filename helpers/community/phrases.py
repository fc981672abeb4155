"""The planted world of the simulated community: topics and their phrase banks, post types, boards,
the adoption model, city clubs, polls, posting rates and nickname parts (SIMULATED · 模拟数据).

Every table here is data, not code: :mod:`.simulation` draws from them, :mod:`.io` reads post-type
names with :data:`POST_TYPE_VALUES`, and the truth readers (:mod:`.truth`) fall back to
:data:`TOPICS` and :data:`ADOPTION` when a manifest does not list them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# --------------------------------------------------------------------------- planted topics


@dataclass(frozen=True)
class Topic:
    """One planted feedback topic: its share of posts and the Chinese phrase banks its posts use.

    ``keywords`` are the topic's words as jieba segments them (the truth a topic model should
    find); ``complaint``/``praise`` are sentences of experience posts, ``question`` of questions,
    ``suggestion`` of suggestions (an adopted suggestion ships as its sentence).
    """

    code: str
    label_zh: str
    label_en: str
    share: float
    title: str
    keywords: tuple[str, ...]
    complaint: tuple[str, ...]
    praise: tuple[str, ...]
    question: tuple[str, ...]
    suggestion: tuple[str, ...]


TOPICS: dict[str, Topic] = {t.code: t for t in [
    Topic("battery", "电池续航", "battery life", 0.20, "电池续航",
          ("电池", "续航", "耗电", "充电", "待机", "电量", "掉电", "充电器"),
          ("电池续航太差了，一天要充电两次", "待机一晚上掉电百分之二十，耗电太快",
           "电量下降特别快，出门必须带充电器", "充电速度很慢，充满电要三个多小时",
           "玩一会儿游戏电量就掉得厉害，续航撑不过半天", "后台耗电严重，待机时间明显变短"),
          ("电池很耐用，正常使用续航一天半没问题", "待机时间比上一台手机长多了，电量很够用",
           "充电速度挺快，一小时就充了大半电量", "续航比预期的好，出差一天不用带充电器",
           "省电模式很实用，掉电明显变慢"),
          ("请问大家的电池续航一般能用多久？", "新手机充电要注意什么，需要把电量用完再充电吗？",
           "待机耗电快是不是电池有问题？", "用别的充电器充电会不会伤电池？", "怎么查看哪个应用耗电最多？"),
          ("建议增加更详细的耗电排行", "希望加入夜间待机省电模式", "建议优化后台应用耗电，延长续航",
           "希望状态栏能显示电池电量百分比", "建议充电完成后提醒拔掉充电器")),
    Topic("camera", "相机拍照", "camera", 0.15, "拍照效果",
          ("相机", "拍照", "照片", "摄像头", "对焦", "夜景", "成像", "像素", "闪光灯"),
          ("夜景拍照噪点很多，照片发灰", "相机对焦很慢，拍运动的东西总是糊", "摄像头进灰了，照片上有黑点",
           "室内拍照成像发黄，色彩不准", "打开相机要等好几秒，错过很多抓拍", "闪光灯拍人脸过曝，照片没法看"),
          ("拍照效果很惊喜，白天照片细节清楚", "相机对焦速度快，抓拍孩子很方便", "夜景模式成像不错，噪点控制得好",
           "八百万像素够用了，照片色彩很自然", "摄像头拍微距很清晰，随手拍的照片都能当壁纸"),
          ("请问相机怎么设置才能拍出好的夜景？", "拍照的时候怎么手动对焦？", "照片默认保存在哪个文件夹？",
           "摄像头模糊是不是需要去检测？", "相机有没有连拍功能？"),
          ("建议相机增加专业模式，可以手动调节参数", "希望加入夜景拍照优化", "建议相机加入水平仪和网格线",
           "希望照片能按拍摄地点分类", "建议优化前置摄像头的成像")),
    Topic("heat", "发热", "heat", 0.12, "发热问题",
          ("发热", "发烫", "温度", "烫手", "散热", "过热", "降温"),
          ("玩游戏十分钟手机就发烫，烫手得拿不住", "充电的时候背面温度很高，发热严重", "打电话时间长了耳朵边上发烫",
           "散热做得不好，夏天经常过热", "看视频半小时机身就发热，还会变卡", "导航的时候温度太高，提示过热"),
          ("这次发热控制得不错，玩游戏也只是温热", "散热比上一代好多了，夏天也不烫手", "升级以后发热明显降低，温度正常",
           "长时间看视频机身温度也不高", "发热问题解决了，握在手里很舒服"),
          ("请问手机发热正常吗，温度多少算过热？", "玩游戏发烫有什么降温的办法？", "充电时发热严重是不是充电器的问题？",
           "手机过热会不会影响使用寿命？", "有没有软件可以查看处理器温度？"),
          ("建议优化处理器调度，降低发热", "希望温度过高时自动提醒并降温", "建议加入温度监控和过热提醒",
           "希望下一代改进散热设计", "建议玩游戏时限制后台，减少发热")),
    Topic("signal", "信号网络", "signal", 0.10, "信号问题",
          ("信号", "基站", "断网", "网络", "通话", "掉线", "联通", "移动"),
          ("在地铁里信号很差，经常断网", "通话经常掉线，对方听不清", "电梯里一点信号都没有，网络连不上",
           "联通网络不稳定，网页打不开", "信号格数比别人的手机少两格", "移动卡在家里信号时有时无"),
          ("信号比之前的手机好，地下室也能通话", "网络很稳定，在高铁上也很少断网", "通话音质清楚，从来没有掉线",
           "联通网络速度很快，信号满格", "换了这台手机以后网络连接稳定多了"),
          ("请问信号不好是基站问题还是手机问题？", "怎么设置网络模式才能一直用联通网络？", "通话中突然掉线是什么原因？",
           "移动卡没有信号怎么办？", "出国以后网络怎么设置？"),
          ("建议优化弱信号环境下的网络切换", "希望通话时能显示网络信号强度", "建议加入断网自动重连功能",
           "希望改进电梯和地铁里的信号", "建议通话掉线后自动重拨")),
    Topic("system", "系统更新", "system updates (MIUI)", 0.16, "系统更新",
          ("系统", "更新", "升级", "开发版", "卡顿", "桌面", "通知栏", "主题", "刷机"),
          ("升级开发版以后系统卡顿，桌面经常重启", "这次更新后通知栏下拉很卡", "系统升级失败，只能重新刷机",
           "更新以后主题被重置，桌面图标全乱了", "新版系统占内存，切换应用卡顿", "升级后部分应用闪退，系统不稳定"),
          ("每周更新，新功能越来越好用", "升级开发版以后系统流畅多了", "主题商店的主题很漂亮，桌面很个性",
           "通知栏的开关很方便，系统细节做得好", "每周五升级开发版成了习惯，更新很及时"),
          ("请问开发版和稳定版有什么区别？", "系统更新以后数据会不会丢失？", "刷机失败了怎么办？",
           "怎么关闭系统自动更新？", "桌面图标怎么恢复默认主题？"),
          ("建议通知栏开关可以自定义排序", "希望系统更新可以选择夜间自动升级", "建议桌面加入图标隐藏功能",
           "希望主题可以单独更换锁屏", "建议开发版更新日志写得更详细")),
    Topic("price", "价格", "price", 0.10, "价格",
          ("价格", "性价比", "降价", "优惠券", "抢购", "便宜", "差价", "预算", "划算"),
          ("刚买一个月就降价了，差价太大", "抢购了三次都没抢到，价格还被黄牛炒高", "配件价格太高，感觉不划算",
           "优惠券用不了，一点也不便宜", "说是性价比高，加上配件预算还是超了", "降价太快，老用户觉得吃亏"),
          ("这个价格能买到这个配置，性价比很高", "用优惠券买的，非常划算", "价格便宜质量也好，推荐给家里人",
           "米粉节抢购成功，比平时便宜一百块", "一千多的预算买到旗舰配置，性价比没得说"),
          ("请问最近会降价吗，现在买划算吗？", "优惠券怎么领取和使用？", "抢购的时候怎么提高成功率？",
           "降价以后能补差价吗？", "预算一千左右买哪款性价比高？"),
          ("建议老用户购买配件给优惠券", "希望降价后能给一周内购买的用户补差价", "建议抢购改成预约排队，价格公开透明",
           "希望米粉节多发一些优惠券", "建议推出学生优惠价格")),
    Topic("screen", "屏幕", "screen", 0.08, "屏幕显示",
          ("屏幕", "显示", "亮度", "触屏", "色彩", "分辨率", "划痕", "偏色", "漏光"),
          ("屏幕偏黄，和别人的机器比明显偏色", "边角有漏光，黑色背景下很明显", "触屏有时候不灵敏，打字老是点错",
           "屏幕很容易有划痕，才用一周就花了", "自动亮度调节不准，太阳下看不清显示", "屏幕显示有残影，色彩也不正"),
          ("屏幕显示细腻，分辨率很高", "色彩鲜艳，看视频效果很好", "阳光下屏幕亮度够用，显示清楚",
           "触屏很跟手，打字很顺", "屏幕素质很好，没有偏色和漏光"),
          ("请问屏幕偏色可以换吗？", "屏幕有划痕能抛光吗？", "怎么调整屏幕色温和亮度？",
           "触屏失灵是软件问题还是屏幕问题？", "屏幕分辨率是多少，显示效果怎么样？"),
          ("建议加入屏幕色温调节", "希望自动亮度可以自己校准", "建议增加护眼模式，降低屏幕蓝光",
           "希望出厂就贴好屏幕保护膜", "建议优化触屏灵敏度设置")),
    Topic("aftersales", "售后服务", "after-sales service", 0.09, "售后服务",
          ("售后", "维修", "客服", "快递", "换货", "退货", "保修", "网点", "发货"),
          ("寄修一个月还没修好，售后太慢", "客服电话一直打不通，在线客服也不回复", "快递发货太慢，下单一周才收到",
           "申请换货被拒绝，理由说不清楚", "当地没有维修网点，只能寄修", "退货流程很麻烦，客服互相推"),
          ("售后服务很好，换货第二天就寄出了", "客服态度很好，耐心解答问题", "快递很快，隔天就到了",
           "去小米之家维修，一个小时就修好了", "保修期内免费换了新机，售后给力"),
          ("请问保修期是多久，怎么申请维修？", "离我最近的售后网点在哪里？", "七天无理由退货怎么操作？",
           "快递显示已签收但没收到，找客服有用吗？", "维修需要带发票吗？"),
          ("建议增加更多的售后网点", "希望客服热线增加人工服务时间", "建议维修进度可以在网上查询",
           "希望换货退货流程再简化一些", "建议快递发货后短信通知单号")),
]}

#: Post types: code → (Chinese name in exports, share of posts)
POST_TYPES: dict[str, tuple[str, float]] = {
    "experience": ("体验", 0.45), "question": ("提问", 0.30), "suggestion": ("建议", 0.25)}
#: Values of a user's export understood as each post type (after NFKC and lower-casing).
POST_TYPE_VALUES: dict[str, set[str]] = {
    "experience": {"experience", "体验", "经验", "分享", "使用体验", "体验分享", "评测", "晒单"},
    "question": {"question", "提问", "问题", "求助", "问答", "咨询"},
    "suggestion": {"suggestion", "建议", "意见", "反馈建议", "功能建议", "建议反馈", "需求"},
}

#: Boards of the forum the seeds list (小米社区: phones, MIUI, suggestions, photo posts, academy, city clubs, service)
BOARDS: tuple[str, ...] = ("小米手机", "MIUI", "建议反馈", "随手拍", "小米学院", "酷玩帮", "同城会", "客服中心")

OPENERS: dict[str, tuple[str, ...]] = {
    "experience": ("入手{phone}已经{n}个月了，说说感受。", "用了{n}周{phone}，", "作为一个老米粉，", "",
                   "今天来分享一下{phone}的使用体验。", "我的{phone}用到现在，"),
    "question": ("各位大神好，", "新人求助，", "刚买的{phone}，", "", "有个问题想问一下，", "求助各位机友，"),
    "suggestion": ("用了很久MIUI，提个建议：", "希望官方能看到：", "", "关于{phone}的一点建议，",
                   "每周都在用开发版，", "作为{phone}用户，"),
}
CLOSERS: tuple[str, ...] = ("谢谢大家。", "大家怎么看？", "仅供参考。", "", "先写这么多。", "望回复。", "")

#: Adoption of suggestions into Friday developer builds (the planted model).
ADOPTION: dict[str, Any] = {
    "logit_intercept": -3.4, "logit_per_log1p_likes": 0.9,
    "topic_factor": {"system": 1.6, "battery": 1.0, "camera": 1.0, "heat": 0.8, "signal": 0.8, "price": 0.5,
                     "screen": 1.0, "aftersales": 0.7},
    "lag_gamma_shape": 2.0, "lag_gamma_scale_days": 12.0,
    "release": "first Friday developer build (开发版) on or after post date + lag",
}

#: The city clubs the seeds name and how often they meet (mean weeks between meet-ups, mean attendance)
CLUBS: dict[str, tuple[str, float, float]] = {
    "济宁": ("济宁同城会", 12.0, 18.0), "通辽": ("通辽同城会", 16.0, 12.0), "北京": ("北京同城会", 6.0, 45.0),
    "惠州": ("惠州同城会", 12.0, 16.0), "淄博": ("淄博同城会", 12.0, 16.0)}
MEETUP_TITLES: tuple[str, ...] = ("米粉见面会", "新品体验会", "MIUI开发版交流会", "米粉节线下聚会", "户外骑行活动",
                                  "摄影外拍活动", "新年联欢会", "爆米花线下活动")

#: Product-design polls: users vote between alternative designs of one feature (planted shares).
POLLS: list[dict[str, Any]] = [
    {"poll_id": "P01", "feature": "锁屏样式 lock screen", "question": "MIUI 新锁屏用哪种解锁方式？",
     "start": "2012-09-03", "end": "2012-09-16", "votes": 900,
     "options": {"A": ("上滑解锁", 0.46), "B": ("九宫格图案", 0.34), "C": ("双击亮屏解锁", 0.20)}},
    {"poll_id": "P02", "feature": "通知栏开关 notification toggles", "question": "通知栏开关怎么排列？",
     "start": "2013-03-04", "end": "2013-03-17", "votes": 700,
     "options": {"A": ("横向滑动一行", 0.36), "B": ("两行九宫格", 0.34), "C": ("下拉分页", 0.30)}},
    {"poll_id": "P03", "feature": "后盖颜色 back-cover colour", "question": "小米手机3 后盖还要出什么颜色？",
     "start": "2013-07-15", "end": "2013-07-28", "votes": 1200,
     "options": {"A": ("白色", 0.31), "B": ("黑色", 0.29), "C": ("蓝色", 0.24), "D": ("粉色", 0.16)}},
    {"poll_id": "P04", "feature": "拍照按键 shutter button", "question": "相机快门按钮放在哪里？",
     "start": "2014-02-10", "end": "2014-02-23", "votes": 500,
     "options": {"A": ("屏幕底部居中", 0.52), "B": ("右侧悬浮按钮", 0.31), "C": ("音量键拍照", 0.17)}},
]

#: Mean posts per week while active, by customer group (forum-only members: × FORUM_ONLY_FACTOR)
POST_RATE: dict[str, float] = {"enthusiast": 0.045, "mainstream": 0.012, "price_sensitive": 0.008}
FORUM_ONLY_FACTOR = 0.6
FORUM_ONLY_GROUPS = {"enthusiast": 0.3, "mainstream": 0.5, "price_sensitive": 0.2}

NICK_PREFIX = ("米粉", "发烧友", "小米控", "MI", "极客", "路人", "阿", "大", "机友", "爆米花", "橙色", "雷锋")
NICK_BODY = ("小白", "飞鱼", "老王", "星空", "晨曦", "木木", "小鹿", "阿杰", "冰河", "石头", "西瓜", "北风",
             "dragon", "lucky", "tiger", "sky", "neo", "kk")
