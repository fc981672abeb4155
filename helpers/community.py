"""Customer interaction (客户互动): the 小米社区 community — simulation, loading and analysis.

The seeds (``../shared/SEEDS.md``) put Xiaomi's edge in customer interaction: the 小米社区
forum (boards, photo posts, the academy, city clubs 同城会, customer service), a board that
collects suggestions which feed the weekly MIUI developer builds (every Friday), offline fan
meet-ups in city clubs (济宁, 通辽, 北京, 惠州, 淄博) and product-design polls in which users vote
between alternative designs of one feature. The papers publish no community data, so this
module *simulates* it (模拟数据 — SIMULATED), writes it the way real exports arrive, reads it
(or a user's own export of the same tables) back into one canonical schema, and analyses it.

The generating process (all seeded; see :func:`simulate_community`)
-------------------------------------------------------------------
* **Members.** The customers of :func:`helpers.simulate.simulate_customers` whose
  ``forum_member`` flag is set (论坛会员 = 是 in ``customers.csv``) are forum members linked to
  their customer id; forum-only members without purchases are added (``forum_only_ratio``
  of the linked ones). A member posts at a Gamma-distributed weekly rate whose mean depends on
  the customer group (enthusiasts 发烧友 post most), for an exponential active span.
* **Posts** are of type experience (体验), question (提问) or suggestion (建议). Each post has
  one planted feedback topic drawn with the shares of :data:`TOPICS` (battery, camera, heat,
  signal, system updates, price, screen, after-sales), independent of its type; its Chinese
  text is assembled from phrase banks of that topic (two sentences of the topic, with
  probability ``secondary_share`` one sentence of another topic, plus neutral openers and
  closers). Experience posts are complaints or praise (50/50, recorded). Replies and likes
  are overdispersed counts; replies are written by other members.
* **Adoption.** A suggestion is adopted with a logistic probability rising with its likes,
  after a Gamma-distributed lag (:data:`ADOPTION`); it ships in the first Friday developer
  build (MIUI 开发版, version ``Y.M.D``) on or after post date + lag; builds after the end of
  the observation window are not observed (right-censoring).
* **Meet-ups** of the five city clubs, with check-in lists of members of that city; attendance
  leans towards active members. **No effect of attending on later purchases is planted**
  (purchases come from :mod:`helpers.simulate` and do not depend on the community): any
  difference between attendees and others is selection, which notebook 06 has to show honestly.
* **Polls** (:data:`POLLS`): design alternatives of one feature with planted vote shares;
  one vote per member.

Truth (planted topic of every post, polarity, shares, poll shares, lag parameters) is kept in
``truth/`` and ``manifest.yml`` so tests can check that the analysis recovers it.

Loading
-------
:func:`load_community` reads the bundled export (through :func:`helpers.acquire.read_table`:
GB18030 CSV with Chinese headers, Excel, Parquet) or a user's folder with the same
``manifest.yml`` layout; :func:`read_community_table` reads one user table with a column map
and known Chinese/English aliases. Nicknames are replaced by keyed pseudonyms at load
(:func:`helpers.privacy.pseudonymise`).

References
----------
Wayland, R. E. & Cole, P. M. (1997). *Customer Connections: New Strategies for Growth*.
Harvard Business School Press (customer knowledge management).
Newcombe, R. G. (1998). Two-sided confidence intervals for the single proportion.
*Statistics in Medicine* 17, 857–872 (Wilson intervals).
Goodman, L. A. (1965). On simultaneous confidence intervals for multinomial proportions.
*Technometrics* 7(2), 247–254.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import yaml

from .acquire import as_text, read_table
from .paths import resolve_user_path
from .store import Provenance
from . import i18n
from .errors import DataError
from .i18n import tr
from .paths import RAW
from .privacy import pseudonymise
from . import simulate
from .simulate import CITIES, DEFAULT_SEED, GROUPS, OBSERVATION_END, OBSERVATION_START, PHONES, \
    SIMULATED_NOTE, simulate_customers

COMMUNITY_DIR = RAW / "xiaomi_sim" / "community"
LABEL = "Xiaomi-like community export (SIMULATED · 模拟数据)"
_STREAM = 506  # SeedSequence stream id of this module (helpers.simulate uses seed + 0…4)

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

# --------------------------------------------------------------------------- the canonical schema

#: Canonical tables: {kind: {column: Chinese header in the bundled export}}; the first column(s) are the key.
SCHEMA: dict[str, dict[str, str]] = {
    "members": {"member_id": "会员UID", "customer_id": "客户ID", "nickname": "昵称", "join_date": "注册时间",
                "city": "所在城市", "club": "同城会"},
    "posts": {"post_id": "帖子ID", "member_id": "会员UID", "board": "版块", "post_type": "帖子类型",
              "title": "标题", "text": "内容", "timestamp": "发帖时间", "replies": "回复数", "likes": "点赞数"},
    "replies": {"reply_id": "reply_id", "post_id": "tid", "member_id": "uid", "timestamp": "replied_at"},
    "releases": {"version": "版本号", "release_date": "发布日期", "build": "版本类型"},
    "adoptions": {"post_id": "帖子ID", "version": "版本号", "release_date": "发布日期", "feature": "采纳内容"},
    "meetups": {"meetup_id": "活动ID", "club": "同城会", "city": "城市", "date": "活动日期", "title": "活动主题"},
    "attendance": {"meetup_id": "活动ID", "member_id": "会员UID", "checkin_time": "签到时间"},
    "polls": {"poll_id": "投票ID", "feature": "功能", "question": "问题", "option_id": "选项ID", "option": "选项",
              "start": "开始日期", "end": "结束日期"},
    "votes": {"poll_id": "poll_id", "member_id": "uid", "option_id": "option_id", "timestamp": "voted_at"},
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "members": ("member_id", "join_date"), "posts": ("post_id", "member_id", "post_type", "text", "timestamp"),
    "replies": ("post_id", "member_id", "timestamp"), "releases": ("version", "release_date"),
    "adoptions": ("post_id", "release_date"), "meetups": ("meetup_id", "date"),
    "attendance": ("meetup_id", "member_id"), "polls": ("poll_id", "option_id"),
    "votes": ("poll_id", "member_id", "option_id"),
}
DATE_COLUMNS = {"join_date", "timestamp", "release_date", "date", "checkin_time", "start", "end"}
COUNT_COLUMNS = {"replies", "likes"}
#: Extra header names recognised without a column map (compared case- and space-insensitively).
ALIASES: dict[str, tuple[str, ...]] = {
    "member_id": ("member_id", "uid", "会员uid", "会员id", "用户id", "userid", "user_id", "authorid", "作者id"),
    "customer_id": ("customer_id", "客户id", "客户编号", "customerid"),
    "nickname": ("nickname", "昵称", "用户名", "username", "author", "作者"),
    "join_date": ("join_date", "注册时间", "注册日期", "regdate", "加入时间"),
    "city": ("city", "所在城市", "城市", "所在地"),
    "club": ("club", "同城会", "city_club"),
    "post_id": ("post_id", "tid", "帖子id", "主题id", "帖子编号", "thread_id"),
    "board": ("board", "版块", "板块", "forum", "fid"),
    "post_type": ("post_type", "帖子类型", "类型", "type", "主题分类"),
    "title": ("title", "标题", "subject"),
    "text": ("text", "内容", "正文", "message", "content", "帖子内容"),
    "timestamp": ("timestamp", "发帖时间", "时间", "dateline", "created_at", "replied_at", "回复时间",
                  "voted_at", "投票时间"),
    "replies": ("replies", "回复数", "回复", "reply_count"),
    "likes": ("likes", "点赞数", "点赞", "赞", "like_count", "recommend_add"),
    "reply_id": ("reply_id", "pid", "回复id"),
    "version": ("version", "版本号", "版本"),
    "release_date": ("release_date", "发布日期", "发布时间"),
    "build": ("build", "版本类型"),
    "feature": ("feature", "采纳内容", "功能", "功能点"),
    "meetup_id": ("meetup_id", "活动id", "活动编号"),
    "date": ("date", "活动日期", "日期"),
    "checkin_time": ("checkin_time", "签到时间"),
    "poll_id": ("poll_id", "投票id", "投票编号"),
    "question": ("question", "问题", "投票问题"),
    "option_id": ("option_id", "选项id", "选项编号"),
    "option": ("option", "选项", "选项内容"),
    "start": ("start", "开始日期", "开始时间"),
    "end": ("end", "结束日期", "结束时间"),
}
PERSONAL = {"nickname": "name"}
FILES: dict[str, dict[str, Any]] = {
    "members": {"file": "members.csv", "encoding": "gb18030"},
    "posts": {"file": "posts.csv", "encoding": "gb18030"},
    "replies": {"file": "replies.parquet"},
    "releases": {"file": "miui_releases.xlsx", "sheet": "开发版发布"},
    "adoptions": {"file": "miui_releases.xlsx", "sheet": "建议采纳"},
    "meetups": {"file": "meetups.xlsx", "sheet": "同城会活动"},
    "attendance": {"file": "meetups.xlsx", "sheet": "签到名单"},
    "polls": {"file": "polls.csv", "encoding": "utf-8-sig"},
    "votes": {"file": "poll_votes.parquet"},
}


# --------------------------------------------------------------------------- simulation


def _rng(seed: int, part: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, _STREAM, part]))


def _hours(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds after midnight, evening-heavy (forum traffic peaks after work)."""
    w = np.array([3, 2, 1, 1, 1, 1, 1, 2, 4, 6, 7, 7, 8, 7, 6, 6, 6, 7, 8, 10, 12, 13, 11, 6], dtype=float)
    return rng.choice(24, size=n, p=w / w.sum()) * 3600 + rng.integers(0, 3600, n)


def _fridays(start: pd.Timestamp = OBSERVATION_START, end: pd.Timestamp = OBSERVATION_END) -> pd.DatetimeIndex:
    return pd.date_range(start, end - pd.Timedelta(days=1), freq="W-FRI")


def dev_build_version(day: pd.Timestamp) -> str:
    """MIUI developer-build version of a Friday build: ``Y.M.D`` with Y the last digit of the year.

    E.g. 2013-05-17 → ``3.5.17``, 2014-06-13 → ``4.6.13`` (MIUI's weekly builds were named so).
    """
    day = pd.Timestamp(day)
    return f"{day.year % 10}.{day.month}.{day.day}"


def _phone_names(when: pd.Series) -> np.ndarray:
    """A phone on sale at each time, named as users write it (小米手机2S 16GB → 小米2S)."""
    names = np.array([p[0].split(" ")[0].replace("手机", "") or p[0] for p in PHONES])
    launch = pd.to_datetime([p[1] for p in PHONES]).to_numpy()
    idx = (launch[None, :] <= when.to_numpy()[:, None]).sum(axis=1) - 1
    back = np.maximum(idx - (np.arange(len(idx)) % 3), 0)  # the newest or one of the two before it
    return names[back]


@dataclass
class SimulatedCommunity:
    """Clean simulated community tables (canonical columns) and their truth."""

    tables: dict[str, pd.DataFrame]
    truth_posts: pd.DataFrame
    seed: int
    parameters: dict[str, Any] = field(default_factory=dict)


def simulate_community(
    customers: pd.DataFrame,
    seed: int = DEFAULT_SEED,
    forum_only_ratio: float = 0.6,
    secondary_share: float = 0.2,
    activity: float = 1.0,
    end: pd.Timestamp = OBSERVATION_END,
) -> SimulatedCommunity:
    """Simulate the 小米社区 community of a simulated customer base (see the module docstring).

    Parameters
    ----------
    customers
        :func:`helpers.simulate.simulate_customers` output (``customer_id, group, signup_date,
        city, forum_member``).
    seed
        Seed; each part (members, posts, replies, adoption, meet-ups, polls) has its own stream.
    forum_only_ratio
        Forum-only members (no purchases) per linked member.
    secondary_share
        Probability that a post adds one sentence of a second topic (noise for the topic model).
    activity
        Multiplier of the posting rates (:data:`POST_RATE`), e.g. 0.2 for a small test world.
    end
        End of observation (exclusive); releases after it are not observed.

    Returns
    -------
    SimulatedCommunity
        ``tables`` with the canonical columns of :data:`SCHEMA` (``nickname`` raw), and
        ``truth_posts``: ``post_id, topic, secondary_topic, polarity`` per post.
    """
    linked = customers.loc[customers["forum_member"].astype(bool)].reset_index(drop=True)
    members = _simulate_members(linked, seed, forum_only_ratio, end)
    posts, truth = _simulate_posts(members, seed, secondary_share, activity, end)
    replies = _simulate_replies(posts, members, seed, end)
    posts["replies"] = posts["post_id"].map(replies["post_id"].value_counts()).fillna(0).astype("int64")
    releases, adoptions = _simulate_adoptions(posts, truth, seed, end)
    meetups, attendance = _simulate_meetups(members, seed, end)
    polls, votes = _simulate_polls(members, seed)
    tables = {"members": members.drop(columns=["_group", "_rate", "_active_end"]), "posts": posts,
              "replies": replies, "releases": releases, "adoptions": adoptions, "meetups": meetups,
              "attendance": attendance, "polls": polls, "votes": votes}
    params = {"seed": int(seed), "forum_only_ratio": forum_only_ratio, "secondary_share": secondary_share,
              "activity": activity, "post_rate_per_week": dict(POST_RATE), "forum_only_factor": FORUM_ONLY_FACTOR,
              "post_types": {k: {"zh": v[0], "share": v[1]} for k, v in POST_TYPES.items()},
              "topics": {k: {"zh": t.label_zh, "en": t.label_en, "share": t.share, "keywords": list(t.keywords)}
                         for k, t in TOPICS.items()},
              "experience_polarity": {"complaint": 0.5, "praise": 0.5},
              "adoption": ADOPTION,
              "clubs": {k: {"club": v[0], "mean_weeks_between": v[1], "mean_attendance": v[2]} for k, v in CLUBS.items()},
              "meetup_effect_on_purchases": "none planted (purchases do not depend on the community)",
              "polls": [{"poll_id": p["poll_id"], "feature": p["feature"],
                         "shares": {k: v[1] for k, v in p["options"].items()}} for p in POLLS]}
    return SimulatedCommunity(tables=tables, truth_posts=truth, seed=seed, parameters=params)


def _simulate_members(linked: pd.DataFrame, seed: int, forum_only_ratio: float, end: pd.Timestamp) -> pd.DataFrame:
    rng = _rng(seed, 1)
    n_l = len(linked)
    signup = pd.to_datetime(linked["signup_date"]).dt.normalize()
    before = rng.random(n_l) < 0.3
    shift = np.where(before, -rng.integers(1, 121, n_l), np.floor(rng.exponential(20.0, n_l)))
    join_l = signup + pd.to_timedelta(shift, unit="D")
    join_l = join_l.where(join_l >= OBSERVATION_START, signup)  # no joins before the window opens
    n_f = int(round(forum_only_ratio * n_l))
    days = pd.date_range(OBSERVATION_START, end - pd.Timedelta(days=1), freq="D")
    growth = np.linspace(0.5, 2.0, len(days))
    join_f = pd.Series(days[rng.choice(len(days), n_f, p=growth / growth.sum())])
    f_groups = list(FORUM_ONLY_GROUPS)
    groups = np.concatenate([linked["group"].astype(str).to_numpy(),
                             rng.choice(f_groups, n_f, p=list(FORUM_ONLY_GROUPS.values()))])
    cities, w = zip(*CITIES)
    w = np.array(w, dtype=float)
    city = np.concatenate([linked["city"].astype(str).to_numpy(), np.array(cities)[rng.choice(len(cities), n_f,
                                                                                               p=w / w.sum())]])
    join = pd.concat([join_l, join_f], ignore_index=True)
    join = join.clip(lower=OBSERVATION_START, upper=end - pd.Timedelta(days=1))
    join = join + pd.to_timedelta(_hours(rng, len(join)), unit="s")
    n = n_l + n_f
    uid = 100_000 + rng.choice(4_900_000, size=n, replace=False)
    nick = np.char.add(np.char.add(np.array(NICK_PREFIX)[rng.integers(0, len(NICK_PREFIX), n)],
                                   np.array(NICK_BODY)[rng.integers(0, len(NICK_BODY), n)]),
                       rng.integers(1, 9999, n).astype(str))
    mean_rate = np.array([POST_RATE[g] for g in groups]) * np.where(np.arange(n) < n_l, 1.0, FORUM_ONLY_FACTOR)
    rate = rng.gamma(shape=0.5, scale=mean_rate / 0.5)
    span_weeks = rng.exponential(80.0, n)
    members = pd.DataFrame({
        "member_id": pd.array(uid.astype(str), dtype="string"),
        "customer_id": pd.array(list(linked["customer_id"].astype(str)) + [pd.NA] * n_f, dtype="string"),
        "nickname": pd.array(nick, dtype="string"),
        "join_date": join.to_numpy(dtype="datetime64[ns]"),
        "city": pd.array(city, dtype="string"),
        "club": pd.array([CLUBS[c][0] if c in CLUBS else pd.NA for c in city], dtype="string"),
        "_group": groups, "_rate": rate,
        "_active_end": np.minimum((join + pd.to_timedelta(span_weeks * 7, unit="D")).to_numpy(dtype="datetime64[ns]"),
                                  np.datetime64(end, "ns")),
    })
    return members.sort_values("join_date", kind="stable").reset_index(drop=True)


def _sentence(bank: tuple[str, ...], rng: np.random.Generator, exclude: str | None = None) -> str:
    choices = [s for s in bank if s != exclude]
    return choices[int(rng.integers(0, len(choices)))]


def compose_post(topic: str, post_type: str, polarity: str | None, rng: np.random.Generator, phone: str,
                 secondary: str | None = None) -> tuple[str, str, str]:
    """Title, text and main sentence of one post of a planted topic and type, in Chinese (SIMULATED).

    One or two sentences of the topic's bank for the type (``complaint``/``praise`` for
    experience posts by ``polarity``), optionally one sentence of ``secondary`` topic, between a
    neutral opener and closer of the type. The main sentence is the first of the topic (for a
    suggestion, what a release note would list when it is adopted).
    """
    t = TOPICS[topic]
    bank_name = polarity if post_type == "experience" else post_type
    bank = getattr(t, bank_name)
    first = _sentence(bank, rng)
    second = _sentence(bank, rng, exclude=first) if rng.random() < 0.75 else ""
    parts = [first, second]
    if secondary is not None:
        parts.insert(int(rng.integers(1, 3)), _sentence(getattr(TOPICS[secondary], bank_name), rng))
    opener = _sentence(OPENERS[post_type], rng).format(phone=phone, n=int(rng.integers(1, 12)))
    closer = _sentence(CLOSERS, rng)
    body = "。".join(p.rstrip("？。") if not p.endswith("？") else p for p in parts if p)
    body = body.replace("？。", "？")
    text = opener + body + ("" if body.endswith("？") else "。") + closer
    if post_type == "suggestion":
        title = f"【建议】{t.title}" + ("相关" if rng.random() < 0.5 else "")
    elif post_type == "question":
        title = f"【求助】{phone}{t.title}" + ("问题" if not t.title.endswith("问题") else "")
    else:
        title = (f"{phone}{t.title}体验" if rng.random() < 0.5 else f"说说{phone}的{t.title}")
    return title, text, first


def _simulate_posts(members: pd.DataFrame, seed: int, secondary_share: float, activity: float,
                    end: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = _rng(seed, 2)
    start = members["join_date"].to_numpy(dtype="datetime64[ns]")
    stop = members["_active_end"].to_numpy(dtype="datetime64[ns]")
    weeks = np.clip((stop - start) / np.timedelta64(7, "D"), 0, None)
    n_posts = rng.poisson(members["_rate"].to_numpy() * activity * weeks)
    owner = np.repeat(np.arange(len(members)), n_posts)
    frac = rng.random(owner.size)
    when = start[owner] + ((stop[owner] - start[owner]).astype("int64") * frac).astype("timedelta64[ns]")
    when = pd.Series(when).dt.floor("D") + pd.to_timedelta(_hours(rng, owner.size), unit="s")
    when = when.where(when < end, pd.Series(start[owner]) + pd.Timedelta(minutes=5))
    n = owner.size
    topic_codes = list(TOPICS)
    shares = np.array([TOPICS[t].share for t in topic_codes])
    topic = np.array(topic_codes)[rng.choice(len(topic_codes), n, p=shares / shares.sum())]
    type_codes = list(POST_TYPES)
    tshare = np.array([POST_TYPES[t][1] for t in type_codes])
    ptype = np.array(type_codes)[rng.choice(len(type_codes), n, p=tshare / tshare.sum())]
    polarity = np.where(ptype == "experience", np.where(rng.random(n) < 0.5, "complaint", "praise"), "")
    has_second = rng.random(n) < secondary_share
    offset = rng.integers(1, len(topic_codes), n)
    second = np.array(topic_codes)[(np.array([topic_codes.index(t) for t in topic]) + offset) % len(topic_codes)]
    phones = _phone_names(when)
    titles, texts, mains = [], [], []
    for i in range(n):
        title, text, main = compose_post(topic[i], ptype[i], polarity[i] or None, rng, phones[i],
                                         second[i] if has_second[i] else None)
        titles.append(title)
        texts.append(text)
        mains.append(main)
    board = _boards(rng, topic, ptype, members["club"].to_numpy()[owner])
    mu = np.select([ptype == "experience", ptype == "question"], [1.3, 0.5], 1.6)
    likes = rng.poisson(np.exp(rng.normal(mu, 0.9)))
    posts = pd.DataFrame({
        "member_id": members["member_id"].to_numpy()[owner], "board": board,
        "post_type": ptype, "title": titles, "text": texts, "timestamp": when.to_numpy(dtype="datetime64[ns]"),
        "replies": 0, "likes": likes.astype("int64"),
        "_topic": topic, "_second": np.where(has_second, second, ""), "_polarity": polarity, "_main": mains})
    posts = posts.sort_values("timestamp", kind="stable").reset_index(drop=True)
    tid = 1_000_000 + np.cumsum(rng.integers(1, 60, len(posts)))
    posts.insert(0, "post_id", pd.array(tid.astype(str), dtype="string"))
    for col in ("member_id", "board", "post_type", "title", "text"):
        posts[col] = posts[col].astype("string")
    truth = pd.DataFrame({"post_id": posts["post_id"], "topic": posts["_topic"],
                          "secondary_topic": posts["_second"], "polarity": posts["_polarity"],
                          "main_sentence": posts["_main"]})
    return posts.drop(columns=["_topic", "_second", "_polarity", "_main"]), truth


def _boards(rng: np.random.Generator, topic: np.ndarray, ptype: np.ndarray, club: np.ndarray) -> np.ndarray:
    n = len(topic)
    u = rng.random(n)
    in_club = pd.notna(club)
    board = np.where(u < 0.6, "小米手机", np.where(u < 0.8, "酷玩帮", "小米学院"))
    board = np.where((ptype == "experience") & (topic == "camera") & (u < 0.55), "随手拍", board)
    board = np.where((ptype == "experience") & in_club & (u > 0.85), "同城会", board)
    board = np.where((topic == "system") & (u < 0.7), "MIUI", board)
    board = np.where((topic == "aftersales") & (ptype == "question") & (u < 0.75), "客服中心", board)
    board = np.where(ptype == "suggestion", np.where(u < 0.75, "建议反馈", np.where(topic == "system", "MIUI",
                                                                                  "小米手机")), board)
    return board


def _simulate_replies(posts: pd.DataFrame, members: pd.DataFrame, seed: int, end: pd.Timestamp) -> pd.DataFrame:
    rng = _rng(seed, 3)
    mu = np.select([posts["post_type"] == "question", posts["post_type"] == "experience"], [1.2, 0.9], 0.8)
    k = rng.poisson(np.exp(rng.normal(mu, 0.7)))
    owner = np.repeat(np.arange(len(posts)), k)
    t0 = posts["timestamp"].to_numpy(dtype="datetime64[ns]")[owner]
    delay = pd.to_timedelta(np.ceil(rng.exponential(18.0, owner.size) * 3600), unit="s").to_numpy()
    t = t0 + delay
    keep = t < np.datetime64(end, "ns")
    owner, t = owner[keep], t[keep]
    # authors: members already joined by then, weighted by activity (+ a base so lurkers reply too)
    join = members["join_date"].to_numpy(dtype="datetime64[ns]")
    weight = members["_rate"].to_numpy() + 0.002
    cum = np.cumsum(weight)
    upto = np.searchsorted(join, t, side="right")
    upto = np.maximum(upto, 1)
    pick = np.searchsorted(cum, rng.random(owner.size) * cum[upto - 1], side="right")
    pick = np.minimum(pick, upto - 1)
    replies = pd.DataFrame({"post_id": posts["post_id"].to_numpy()[owner],
                            "member_id": members["member_id"].to_numpy()[pick], "timestamp": t})
    replies = replies.sort_values(["timestamp", "post_id"], kind="stable").reset_index(drop=True)
    replies.insert(0, "reply_id", pd.array([f"R{i:07d}" for i in range(1, len(replies) + 1)], dtype="string"))
    for col in ("post_id", "member_id"):
        replies[col] = replies[col].astype("string")
    return replies


def _simulate_adoptions(posts: pd.DataFrame, truth: pd.DataFrame, seed: int,
                        end: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = _rng(seed, 4)
    fridays = _fridays(OBSERVATION_START, end)
    releases = pd.DataFrame({"version": pd.array([dev_build_version(d) for d in fridays], dtype="string"),
                             "release_date": fridays.to_numpy(dtype="datetime64[ns]"),
                             "build": pd.array(["开发版"] * len(fridays), dtype="string")})
    sug = posts.loc[posts["post_type"] == "suggestion"].copy()
    sug_topic = truth.set_index("post_id").loc[sug["post_id"], "topic"].to_numpy()
    logit = ADOPTION["logit_intercept"] + ADOPTION["logit_per_log1p_likes"] * np.log1p(sug["likes"].to_numpy())
    p = 1.0 / (1.0 + np.exp(-logit)) * np.array([ADOPTION["topic_factor"][t] for t in sug_topic])
    adopted = rng.random(len(sug)) < np.clip(p, 0, 0.95)
    lag = rng.gamma(ADOPTION["lag_gamma_shape"], ADOPTION["lag_gamma_scale_days"], len(sug))
    ready = sug["timestamp"].dt.normalize() + pd.to_timedelta(np.ceil(lag), unit="D")
    idx = np.searchsorted(fridays.to_numpy(), ready.to_numpy(dtype="datetime64[ns]"), side="left")
    observed = adopted & (idx < len(fridays))
    chosen = sug.loc[observed]
    rel = fridays[idx[observed]]
    main = truth.set_index("post_id")["main_sentence"]
    feature = [_suggestion_feature(main[pid]) for pid in chosen["post_id"]]
    adoptions = pd.DataFrame({"post_id": chosen["post_id"].to_numpy(),
                              "version": pd.array([dev_build_version(d) for d in rel], dtype="string"),
                              "release_date": rel.to_numpy(dtype="datetime64[ns]"),
                              "feature": pd.array(feature, dtype="string")})
    adoptions["post_id"] = adoptions["post_id"].astype("string")
    return releases, adoptions.sort_values(["release_date", "post_id"], kind="stable").reset_index(drop=True)


def _suggestion_feature(sentence: str) -> str:
    """A suggestion sentence as a release note lists it: without the leading 建议/希望."""
    for lead in ("建议", "希望"):
        if sentence.startswith(lead):
            return sentence[len(lead):]
    return sentence


def _simulate_meetups(members: pd.DataFrame, seed: int, end: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = _rng(seed, 5)
    rows, attend = [], []
    join = members["join_date"].to_numpy(dtype="datetime64[ns]")
    for city, (club, every_weeks, mean_n) in CLUBS.items():
        day = pd.Timestamp("2012-03-03") + pd.Timedelta(weeks=float(rng.uniform(0, every_weeks)))
        while day < end - pd.Timedelta(days=1):
            saturday = (day + pd.Timedelta(days=(5 - day.day_of_week) % 7)).normalize()
            if saturday >= end:
                break
            meetup_id = f"M{city_code(city)}{saturday:%y%m%d}"
            rows.append({"meetup_id": meetup_id, "club": club, "city": city, "date": saturday,
                         "title": MEETUP_TITLES[int(rng.integers(0, len(MEETUP_TITLES)))]})
            eligible = np.flatnonzero((members["city"].to_numpy() == city) & (join < np.datetime64(saturday, "ns")))
            if eligible.size:
                n = min(eligible.size, int(rng.poisson(mean_n)))
                w = members["_rate"].to_numpy()[eligible] + 0.005
                chosen = rng.choice(eligible, size=n, replace=False, p=w / w.sum())
                check = saturday + pd.Timedelta(hours=13, minutes=30) + pd.to_timedelta(rng.integers(0, 3600, n), unit="s")
                attend.append(pd.DataFrame({"meetup_id": meetup_id,
                                            "member_id": members["member_id"].to_numpy()[chosen],
                                            "checkin_time": check}))
            day = saturday + pd.Timedelta(weeks=float(rng.gamma(4.0, every_weeks / 4.0)))
    meetups = pd.DataFrame(rows).sort_values(["date", "meetup_id"], kind="stable").reset_index(drop=True)
    attendance = pd.concat(attend, ignore_index=True).sort_values(["checkin_time", "member_id"], kind="stable")
    for frame in (meetups, attendance):
        for col in frame.columns:
            if frame[col].dtype == object:
                frame[col] = frame[col].astype("string")
    meetups["date"] = meetups["date"].astype("datetime64[ns]")
    attendance["checkin_time"] = attendance["checkin_time"].astype("datetime64[ns]")
    return meetups, attendance.reset_index(drop=True)


def city_code(city: str) -> str:
    """Two-letter code of a club city (for meet-up ids)."""
    return {"济宁": "JN", "通辽": "TL", "北京": "BJ", "惠州": "HZ", "淄博": "ZB"}.get(city, "XX")


def _simulate_polls(members: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = _rng(seed, 6)
    option_rows, vote_frames = [], []
    join = members["join_date"].to_numpy(dtype="datetime64[ns]")
    for poll in POLLS:
        start, stop = pd.Timestamp(poll["start"]), pd.Timestamp(poll["end"])
        for oid, (text, _) in poll["options"].items():
            option_rows.append({"poll_id": poll["poll_id"], "feature": poll["feature"], "question": poll["question"],
                                "option_id": oid, "option": text, "start": start, "end": stop})
        eligible = np.flatnonzero(join < np.datetime64(stop, "ns"))
        n = min(eligible.size, int(rng.poisson(poll["votes"])))
        w = members["_rate"].to_numpy()[eligible] + 0.01
        voters = rng.choice(eligible, size=n, replace=False, p=w / w.sum())
        ids = list(poll["options"])
        p = np.array([poll["options"][k][1] for k in ids])
        choice = np.array(ids)[rng.choice(len(ids), n, p=p / p.sum())]
        span = (stop + pd.Timedelta(days=1) - start).total_seconds()
        t = start + pd.to_timedelta(rng.random(n) * span, unit="s")
        t = np.maximum(t.to_numpy(dtype="datetime64[ns]"), join[voters] + np.timedelta64(60, "s"))
        vote_frames.append(pd.DataFrame({"poll_id": poll["poll_id"], "member_id": members["member_id"].to_numpy()[voters],
                                         "option_id": choice, "timestamp": t}))
    polls = pd.DataFrame(option_rows)
    votes = pd.concat(vote_frames, ignore_index=True).sort_values(["timestamp", "member_id"], kind="stable")
    for frame in (polls, votes):
        for col in frame.columns:
            if frame[col].dtype == object:
                frame[col] = frame[col].astype("string")
    polls[["start", "end"]] = polls[["start", "end"]].astype("datetime64[ns]")
    votes["timestamp"] = votes["timestamp"].astype("datetime64[ns]").dt.floor("s")
    return polls, votes.reset_index(drop=True)


# --------------------------------------------------------------------------- the export


def export_tables(sim: SimulatedCommunity) -> dict[str, pd.DataFrame]:
    """The community tables the way the files hold them: Chinese headers, Chinese type names."""
    out: dict[str, pd.DataFrame] = {}
    for kind, table in sim.tables.items():
        frame = table.copy()
        if kind == "posts":
            frame["post_type"] = frame["post_type"].map({k: v[0] for k, v in POST_TYPES.items()})
        for col in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[col]) and FILES[kind]["file"].endswith(".csv"):
                fmt = "%Y-%m-%d" if col in {"start", "end"} else "%Y-%m-%d %H:%M:%S"
                frame[col] = frame[col].dt.strftime(fmt)
        frame = frame.rename(columns=SCHEMA[kind])
        frame["数据说明" if not FILES[kind]["file"].endswith(".parquet") else "data_note"] = SIMULATED_NOTE
        out[kind] = frame
    return out


def write_community_export(
    out_dir: Path = COMMUNITY_DIR,
    n_customers: int = 10_000,
    seed: int = DEFAULT_SEED,
    seasonality: float = 1.0,
) -> dict[str, Any]:
    """Simulate the community of the simulated customers and write its export (SIMULATED).

    The customers are :func:`helpers.simulate.simulate_customers` with the same ``n_customers``,
    ``seed`` and ``seasonality`` as ``data/raw/xiaomi_sim`` (so forum members are exactly the
    customers with 论坛会员 = 是). Files: ``members.csv`` and ``posts.csv`` (GB18030, Chinese
    headers, nicknames = personal data), ``replies.parquet``, ``miui_releases.xlsx`` (sheets
    开发版发布, 建议采纳), ``meetups.xlsx`` (同城会活动, 签到名单), ``polls.csv`` (UTF-8 with BOM),
    ``poll_votes.parquet``, ``truth/posts_truth.csv``, ``manifest.yml`` and ``README.md``.
    Returns the manifest.
    """
    out_dir = Path(out_dir)
    (out_dir / "truth").mkdir(parents=True, exist_ok=True)
    customers = simulate_customers(n_customers, seed=seed, seasonality=seasonality)
    sim = simulate_community(customers, seed=seed)
    tables = export_tables(sim)
    written: dict[str, list[str]] = {}
    for kind, spec in FILES.items():
        written.setdefault(spec["file"], []).append(kind)
    for file, kinds in written.items():
        path = out_dir / file
        if file.endswith(".csv"):
            tables[kinds[0]].to_csv(path, index=False, encoding=FILES[kinds[0]]["encoding"])
        elif file.endswith(".parquet"):
            tables[kinds[0]].to_parquet(path, index=False)
        else:
            _write_workbook(path, {FILES[k]["sheet"]: tables[k] for k in kinds})
    truth = sim.truth_posts.drop(columns=["main_sentence"])
    truth.insert(0, "note", "SIMULATED truth")
    truth.to_csv(out_dir / "truth" / "posts_truth.csv", index=False, encoding="utf-8")
    manifest = {
        "label": LABEL, "simulated": True, "note": SIMULATED_NOTE,
        "generator": "helpers.community.write_community_export",
        "command": f"python -m helpers.community --out data/raw/xiaomi_sim/community --customers {n_customers} "
                   f"--seed {seed}",
        "customers_from": "helpers.simulate.simulate_customers (the same customers as data/raw/xiaomi_sim)",
        "n_customers": int(n_customers), "seed": int(seed), "seasonality": float(seasonality),
        "parameters": sim.parameters,
        "rows": {k: int(len(v)) for k, v in sim.tables.items()},
        "tables": {kind: {**{k: v for k, v in spec.items()}, "columns": dict(SCHEMA[kind])}
                   for kind, spec in FILES.items()},
        "personal": {"members": dict(PERSONAL)},
        "truth": {"posts": "truth/posts_truth.csv"},
    }
    with open(out_dir / "manifest.yml", "w", encoding="utf-8") as fh:
        fh.write("# SIMULATED data (模拟数据): generated by helpers/community.py; regenerate with the command below.\n")
        yaml.safe_dump(manifest, fh, allow_unicode=True, sort_keys=False)
    (out_dir / "README.md").write_text(_README.format(rows=manifest["rows"], command=manifest["command"]),
                                       encoding="utf-8")
    return manifest


def _write_workbook(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    simulate.write_simulated_workbook(path, sheets, "Xiaomi-like community export (小米社区).",
                                      "helpers/community.py")


_README = """# community — a SIMULATED 小米社区 export (模拟数据)

**Nothing in this folder is real Xiaomi data.** The course papers describe the Xiaomi community
(小米社区: forum boards, the suggestion board feeding weekly MIUI developer builds, city-club
meet-ups, product-design polls) but publish no data, so `helpers/community.py` simulates it for
the customers of `../customers.csv` (forum members are exactly the customers with 论坛会员 = 是,
plus forum-only members who never bought). Every file carries a `数据说明`/`data_note` column
saying `模拟数据 SIMULATED`.

| file | table(s) | written like a real export |
|---|---|---|
| `members.csv` | forum members (会员UID, 客户ID or empty, 昵称 nickname = personal data, 注册时间, 城市, 同城会) | GB18030, Chinese headers |
| `posts.csv` | posts on the boards (小米手机, MIUI, 建议反馈, 随手拍, 小米学院, 酷玩帮, 同城会, 客服中心): type 体验/提问/建议, title, Chinese text, replies, likes | GB18030, Chinese headers |
| `replies.parquet` | one row per reply (tid, uid, replied_at) | a database dump |
| `miui_releases.xlsx` | sheet 开发版发布: every Friday developer build; sheet 建议采纳: adopted suggestions and the build that shipped them | Excel |
| `meetups.xlsx` | sheet 同城会活动: meet-ups of the city clubs 济宁, 通辽, 北京, 惠州, 淄博; sheet 签到名单: check-ins | Excel |
| `polls.csv` | product-design polls: one row per option | UTF-8 with BOM |
| `poll_votes.parquet` | one vote per member and poll | a database dump |
| `truth/posts_truth.csv` | the planted topic (and polarity) of every post | simulation truth: never in real data |
| `manifest.yml` | files, encodings, sheets, column maps, planted topic shares and keywords, adoption lag model, poll shares, seed | |

Rows: {rows}.

Planted: feedback topics with known shares (battery 20 %, system updates 16 %, camera 15 %,
heat 12 %, signal 10 %, price 10 %, after-sales 9 %, screen 8 %), suggestions adopted with a
Gamma-distributed lag into Friday builds, poll vote shares. **Not planted: any effect of the
community on purchases** — differences in value between engaged and other customers arise only
because enthusiasts both buy more and post more.

Regenerate (the same seed gives the same files): `{command}`.
"""


# --------------------------------------------------------------------------- loading


@dataclass
class Community:
    """Community tables in the canonical schema (:data:`SCHEMA`), nicknames pseudonymised."""

    label: str
    simulated: bool
    tables: dict[str, pd.DataFrame]
    provenance: list[Provenance]
    manifest: dict[str, Any] | None = None

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)


def _norm(name: str) -> str:
    return "".join(str(name).split()).lower().replace("-", "_")


def resolve_community_columns(kind: str, available: list[str], columns: Mapping[str, str] | None = None,
                              *, file: str | Path | None = None) -> dict[str, str]:
    """Map canonical columns of one table kind to the file's columns: the user's map, then aliases.

    Raises :class:`DataError` naming the file and column when a mapped column is absent, a key is
    not a column of this kind, or a required column (:data:`REQUIRED`) cannot be found.
    """
    if kind not in SCHEMA:
        raise DataError(f"unknown community table {kind!r}", file=file, hint=f"use one of {list(SCHEMA)}")
    wanted = list(SCHEMA[kind])
    mapping: dict[str, str] = {}
    for canonical, column in (columns or {}).items():
        if canonical not in wanted:
            raise DataError(f"column map key {canonical!r} is not a column of the {kind} table", file=file,
                            hint=f"use keys from {wanted}")
        if column not in available:
            raise DataError(f"column {column!r} (mapped to {canonical!r}) is not in the file", file=file,
                            column=str(column), hint=f"columns present: {available}")
        mapping[canonical] = column
    normalised = {_norm(c): c for c in available}
    for canonical in wanted:
        if canonical in mapping:
            continue
        for alias in (SCHEMA[kind][canonical], *ALIASES.get(canonical, ()), canonical):
            col = normalised.get(_norm(alias))
            if col is not None and col not in mapping.values():
                mapping[canonical] = col
                break
    missing = [c for c in REQUIRED[kind] if c not in mapping]
    if missing:
        raise DataError(f"required column of the {kind} table is missing", file=file, column=missing[0],
                        hint=f"pass columns={{'{missing[0]}': '<your column>'}}; columns present: {available}")
    return mapping


def normalise_post_type(values: pd.Series, *, file: str | Path | None = None, column: str = "post_type") -> pd.Series:
    """``experience`` / ``question`` / ``suggestion`` from Chinese or English type names.

    Raises :class:`DataError` naming the first row with a type not in :data:`POST_TYPE_VALUES`.
    """
    lookup = {w: k for k, words in POST_TYPE_VALUES.items() for w in words}
    text = values.astype("string").str.normalize("NFKC").str.strip().str.lower()
    mapped = text.map(lookup)
    bad = mapped.isna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
        raise DataError(f"post type {values.iloc[row - 1]!r} is not recognised", file=file, column=column,
                        row=row, hint="use 体验/提问/建议 (experience/question/suggestion) or map your types to them")
    return mapped.astype("string")


def read_community_table(
    path: str | Path,
    kind: str,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    *,
    sheet: str | int | None = None,
    key: bytes | None = None,
) -> tuple[pd.DataFrame, Provenance]:
    """Read one community table (CSV UTF-8/BOM/GB18030, Excel, Parquet) into the canonical schema.

    Parameters
    ----------
    path
        The file (relative paths from the current folder, then from the project root).
    kind
        One of :data:`SCHEMA` (``members, posts, replies, releases, adoptions, meetups,
        attendance, polls, votes``).
    columns
        ``{canonical: your column}``; unmapped columns are found by their Chinese/English names
        (:data:`ALIASES`).
    encoding, sheet
        CSV encoding (detected when ``None``) and Excel sheet.
    key
        Pseudonymisation key for nicknames (default: the project key).

    Returns
    -------
    (DataFrame, Provenance)
        Canonical columns present in the file: ids and text as ``string``, dates as
        ``datetime64[ns]``, counts as ``int64``; ``post_type`` normalised; ``nickname``
        replaced by a keyed pseudonym.

    Raises
    ------
    DataError
        Missing columns, a date or count that does not parse, an unknown post type, or a
        duplicated key — naming file, column and row.
    """
    from .clean import parse_timestamps

    raw, prov = read_table(path, encoding=encoding, sheet=sheet)
    mapping = resolve_community_columns(kind, list(raw.columns), columns, file=path)
    out = pd.DataFrame(index=pd.RangeIndex(len(raw)))
    for canonical in SCHEMA[kind]:
        if canonical not in mapping:
            continue
        values = raw[mapping[canonical]].reset_index(drop=True)
        if canonical in DATE_COLUMNS:
            parsed = parse_timestamps(values if values.dtype != object else values.astype(object))
            bad = parsed.isna() & values.notna()
            if canonical in REQUIRED[kind]:
                bad |= values.isna()
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
                raise DataError(f"date {values.iloc[row - 1]!r} could not be read", file=path,
                                column=mapping[canonical], row=row,
                                hint="use e.g. 2013-04-09 12:00:00, 2013/4/9 or 2013年4月9日")
            out[canonical] = parsed.to_numpy(dtype="datetime64[ns]")
        elif canonical in COUNT_COLUMNS:
            numbers = pd.to_numeric(values, errors="coerce")
            bad = numbers.isna() | (numbers < 0) | (numbers % 1 != 0)
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
                raise DataError(f"count {values.iloc[row - 1]!r} is not a whole number ≥ 0", file=path,
                                column=mapping[canonical], row=row, hint="fill missing counts with 0")
            out[canonical] = numbers.astype("int64").to_numpy()
        else:
            text = as_text(values).str.strip()
            out[canonical] = text.where(text != "", pd.NA).to_numpy()
            out[canonical] = out[canonical].astype("string")
    for id_col in REQUIRED[kind]:
        if id_col not in DATE_COLUMNS and out[id_col].isna().any():
            row = int(np.flatnonzero(out[id_col].isna().to_numpy())[0]) + 1
            raise DataError("required value is empty", file=path, column=mapping[id_col], row=row,
                            hint="every row needs it; remove or complete that row")
    if "post_type" in out:
        out["post_type"] = normalise_post_type(out["post_type"], file=path, column=mapping["post_type"])
    keys = {"members": ["member_id"], "posts": ["post_id"], "meetups": ["meetup_id"],
            "polls": ["poll_id", "option_id"], "votes": ["poll_id", "member_id"]}.get(kind)
    if keys:
        dup = out.duplicated(keys)
        if dup.any():
            row = int(np.flatnonzero(dup.to_numpy())[0]) + 1
            raise DataError(f"duplicated key {'/'.join(keys)} ({', '.join(str(out[k].iloc[row - 1]) for k in keys)})",
                            file=path, column=mapping[keys[-1]], row=row,
                            hint="each key must appear once; remove the duplicate rows")
    present = [k for k, kd in PERSONAL.items() if k in out.columns]
    if present:
        out = pseudonymise(out, {k: PERSONAL[k] for k in present}, key=key)
    prov.columns = dict(mapping)
    if present:
        prov.notes.append(f"personal columns pseudonymised: {present}")
    return out, prov


def read_community_manifest(folder: Path = COMMUNITY_DIR) -> dict[str, Any]:
    """A community export's ``manifest.yml`` (files, encodings, sheets, column maps)."""
    path = Path(folder) / "manifest.yml"
    if not path.exists():
        raise DataError("community export has no manifest.yml", file=path,
                        hint="write one listing each table's file, encoding, sheet and columns "
                             "(see data/raw/xiaomi_sim/community/manifest.yml), or pass the tables one by one")
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def load_community(
    source: str | Path | Mapping[str, Any] | None = None,
    dataset: str = "xiaomi_sim",
    key: bytes | None = None,
) -> Community | None:
    """Load a community export, or ``None`` when the dataset has none.

    Parameters
    ----------
    source
        ``None``: the bundled SIMULATED export for ``dataset="xiaomi_sim"``, nothing for other
        datasets. A folder: read with its ``manifest.yml`` (same layout as the bundled one). A
        mapping ``{kind: path or {"file", "columns", "encoding", "sheet"}}``: the user's tables
        (``members`` and ``posts`` required; the others optional).
    dataset
        The dataset name of notebooks 01–04.
    key
        Pseudonymisation key (default: the project key).

    Returns
    -------
    Community or None
        All nine tables (absent optional tables are empty with the canonical columns);
        referential integrity is checked by :func:`check_integrity`.
    """
    if source is None:
        if dataset != "xiaomi_sim":
            return None
        source = COMMUNITY_DIR
    label, simulated, manifest = "own community export", False, None
    if isinstance(source, Mapping):
        specs = {k: ({"file": v} if isinstance(v, (str, Path)) else dict(v)) for k, v in source.items()}
        folder = Path(".")
    else:
        folder = resolve_user_path(source)
        manifest = read_community_manifest(folder)
        specs = manifest["tables"]
        label = manifest.get("label", f"community export: {folder.name}")
        simulated = bool(manifest.get("simulated", False))
    unknown = [k for k in specs if k not in SCHEMA]
    if unknown:
        raise DataError(f"unknown community table(s) {unknown}", hint=f"use {list(SCHEMA)}")
    for needed in ("members", "posts"):
        if needed not in specs:
            raise DataError(f"the community export has no {needed} table", hint="members and posts are required")
    tables, provs = {}, []
    for kind in SCHEMA:
        if kind not in specs:
            tables[kind] = empty_table(kind)
            continue
        spec = specs[kind]
        path = Path(spec["file"])
        path = path if path.is_absolute() or isinstance(source, Mapping) else folder / path
        table, prov = read_community_table(path, kind, columns=spec.get("columns"), encoding=spec.get("encoding"),
                                           sheet=spec.get("sheet"), key=key)
        tables[kind] = table
        provs.append(prov)
    community = Community(label=label, simulated=simulated, tables=tables, provenance=provs, manifest=manifest)
    check_integrity(community)
    return community


def empty_table(kind: str) -> pd.DataFrame:
    """An empty table of one kind with canonical columns and dtypes."""
    cols = {}
    for c in SCHEMA[kind]:
        cols[c] = pd.Series([], dtype="datetime64[ns]" if c in DATE_COLUMNS else
                            ("int64" if c in COUNT_COLUMNS else "string"))
    return pd.DataFrame(cols)


def check_integrity(c: Community) -> None:
    """Referential checks across tables; raises :class:`DataError` naming the first broken row.

    Posts, replies, attendance and votes must name known members; replies and adoptions known
    posts; adoptions must be suggestions; attendance known meet-ups; votes known poll options.
    """
    t = c.tables
    checks = [("posts", "member_id", "members", "member_id"), ("replies", "member_id", "members", "member_id"),
              ("replies", "post_id", "posts", "post_id"), ("adoptions", "post_id", "posts", "post_id"),
              ("attendance", "member_id", "members", "member_id"), ("attendance", "meetup_id", "meetups", "meetup_id"),
              ("votes", "member_id", "members", "member_id")]
    for kind, col, ref, ref_col in checks:
        if kind not in t or t[kind].empty or col not in t[kind]:
            continue
        known = pd.Index(pd.unique(t[ref][ref_col].dropna().to_numpy(dtype=object)))
        unknown = pd.Series(known.get_indexer(t[kind][col].to_numpy(dtype=object)) < 0)
        if unknown.any():
            row = int(np.flatnonzero(unknown.to_numpy())[0]) + 1
            raise DataError(f"{col} {t[kind][col].iloc[row - 1]!r} of the {kind} table is not in the {ref} table",
                            file=kind, column=col, row=row, hint=f"export the matching {ref} rows too")
    if not t["adoptions"].empty:
        types = t["adoptions"]["post_id"].map(t["posts"].set_index("post_id")["post_type"])
        bad = types != "suggestion"
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
            raise DataError("an adopted post is not a suggestion", file="adoptions", column="post_id", row=row,
                            hint="only suggestions (建议) can be adopted into a release")
    if not t["votes"].empty:
        options = set(zip(t["polls"]["poll_id"], t["polls"]["option_id"]))
        bad = ~pd.Series([k in options for k in zip(t["votes"]["poll_id"], t["votes"]["option_id"])])
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
            raise DataError("vote for an option the polls table does not list", file="votes", column="option_id",
                            row=row, hint="export the poll options (polls table) too")


def read_posts_truth(folder: Path = COMMUNITY_DIR) -> pd.DataFrame:
    """The planted topic and polarity of every simulated post (``truth/posts_truth.csv``)."""
    return pd.read_csv(Path(folder) / "truth" / "posts_truth.csv", dtype=str, keep_default_na=False)


def planted_topics(manifest: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Planted topics: ``topic, 主题, topic_en, share, keywords`` (from a manifest or :data:`TOPICS`)."""
    topics = (manifest or {}).get("parameters", {}).get("topics")
    if topics is None:
        topics = {k: {"zh": t.label_zh, "en": t.label_en, "share": t.share, "keywords": list(t.keywords)}
                  for k, t in TOPICS.items()}
    return pd.DataFrame([{"topic": k, "主题": v["zh"], "topic_en": v["en"], "share": v["share"],
                          "keywords": " ".join(v["keywords"])} for k, v in topics.items()])


def summary_table(c: Community) -> pd.DataFrame:
    """Rows per table and source file (what was loaded)."""
    files = {Path(p.path).name: p for p in c.provenance}
    rows = []
    for kind, table in c.tables.items():
        spec = (c.manifest or {}).get("tables", {}).get(kind, {})
        rows.append({"table": kind, "file": spec.get("file", ""), "sheet": spec.get("sheet") or "",
                     "encoding": (files.get(spec.get("file", "")).encoding if spec.get("file") in files else "") or "",
                     "rows": len(table)})
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    """Command line: regenerate the committed community export."""
    parser = argparse.ArgumentParser(description="Simulate the Xiaomi-like community export (SIMULATED data).")
    parser.add_argument("--out", type=Path, default=COMMUNITY_DIR)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--seasonality", type=float, default=1.0)
    args = parser.parse_args(argv)
    manifest = write_community_export(args.out, n_customers=args.customers, seed=args.seed,
                                      seasonality=args.seasonality)
    print(f"SIMULATED community export written to {args.out}: {manifest['rows']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


# =========================================================================== analysis (notebook 06)

ENGAGEMENT_LEVELS: dict[str, str] = {
    "non-member": "非会员", "member": "会员（未发帖）", "poster": "发帖者", "suggester": "建议者",
    "adopted": "建议被采纳"}


def engagement(customers: pd.DataFrame, c: Community) -> pd.DataFrame:
    """One row per customer: forum membership and activity counts, and an engagement level.

    Parameters
    ----------
    customers
        Table with ``customer_id`` (e.g. the acquired customer table without test accounts).
    c
        The community.

    Returns
    -------
    DataFrame
        ``customer_id, member, member_ids, posts, experiences, questions, suggestions, adopted,
        replies_written, likes_received, meetups, votes, first_post, last_post, level,
        level_zh``. ``level`` is the highest stage reached: ``non-member`` < ``member`` (no
        posts) < ``poster`` < ``suggester`` < ``adopted`` (an ordered categorical). A customer
        with several member accounts gets the sums over them.
    """
    members = c.members.loc[c.members["customer_id"].notna(), ["member_id", "customer_id"]]
    posts = c.posts.merge(members, on="member_id", how="inner")
    per_post = pd.DataFrame({
        "customer_id": posts["customer_id"],
        "posts": 1, "experiences": (posts["post_type"] == "experience").astype(int),
        "questions": (posts["post_type"] == "question").astype(int),
        "suggestions": (posts["post_type"] == "suggestion").astype(int),
        "adopted": posts["post_id"].isin(set(c.adoptions["post_id"])).astype(int),
        "likes_received": posts["likes"], "first_post": posts["timestamp"], "last_post": posts["timestamp"]})
    agg = per_post.groupby("customer_id").agg(
        posts=("posts", "sum"), experiences=("experiences", "sum"), questions=("questions", "sum"),
        suggestions=("suggestions", "sum"), adopted=("adopted", "sum"), likes_received=("likes_received", "sum"),
        first_post=("first_post", "min"), last_post=("last_post", "max"))

    def count_by_customer(table: pd.DataFrame) -> pd.Series:
        return table.merge(members, on="member_id", how="inner")["customer_id"].value_counts()

    out = pd.DataFrame({"customer_id": customers["customer_id"].astype("string").drop_duplicates().to_numpy()})
    ids = members.groupby("customer_id")["member_id"].agg(lambda s: ",".join(sorted(s)))
    out["member"] = out["customer_id"].isin(set(members["customer_id"]))
    out["member_ids"] = out["customer_id"].map(ids).astype("string")
    out = out.merge(agg, left_on="customer_id", right_index=True, how="left")
    for col in ("posts", "experiences", "questions", "suggestions", "adopted", "likes_received"):
        out[col] = out[col].fillna(0).astype("int64")
    out["replies_written"] = out["customer_id"].map(count_by_customer(c.replies)).fillna(0).astype("int64")
    out["meetups"] = out["customer_id"].map(count_by_customer(c.attendance)).fillna(0).astype("int64")
    out["votes"] = out["customer_id"].map(count_by_customer(c.votes)).fillna(0).astype("int64")
    level = np.select([out["adopted"] > 0, out["suggestions"] > 0, out["posts"] > 0, out["member"]],
                      ["adopted", "suggester", "poster", "member"], "non-member")
    out["level"] = pd.Categorical(level, categories=list(ENGAGEMENT_LEVELS), ordered=True)
    out["level_zh"] = out["level"].map(ENGAGEMENT_LEVELS).astype("string")
    return out


def funnel(eng: pd.DataFrame) -> pd.DataFrame:
    """Engagement funnel: customers → members → posters → suggesters → adopted suggesters.

    Returns ``stage, 阶段, customers, share_of_customers, share_of_previous`` (shares in %).
    """
    stages = [("customers", "客户", len(eng)), ("forum members", "论坛会员", int(eng["member"].sum())),
              ("posters", "发帖者", int((eng["posts"] > 0).sum())),
              ("suggesters", "提建议者", int((eng["suggestions"] > 0).sum())),
              ("adopted suggesters", "建议被采纳者", int((eng["adopted"] > 0).sum()))]
    table = pd.DataFrame(stages, columns=["stage", "阶段", "customers"])
    total = max(len(eng), 1)
    table["share_of_customers"] = (100 * table["customers"] / total).round(1)
    prev = table["customers"].shift(1)
    table["share_of_previous"] = (100 * table["customers"] / prev).round(1)
    return table


def member_overview(c: Community) -> pd.DataFrame:
    """Members, posts, suggestions and adoptions, split by linked-to-a-customer or forum-only."""
    linked = c.members["customer_id"].notna()
    kind = pd.Series(np.where(linked, "linked to a customer 已关联客户", "forum only 仅论坛"), index=c.members.index)
    by_member = c.members.assign(kind=kind).set_index("member_id")["kind"]
    posts = c.posts.assign(kind=c.posts["member_id"].map(by_member))
    adopted = posts["post_id"].isin(set(c.adoptions["post_id"]))
    table = pd.DataFrame({
        "members": kind.value_counts(),
        "posts": posts["kind"].value_counts(),
        "suggestions": posts.loc[posts["post_type"] == "suggestion", "kind"].value_counts(),
        "adopted suggestions": posts.loc[adopted, "kind"].value_counts()}).fillna(0).astype("int64")
    table.index.name = "member kind"
    table.loc["total 合计"] = table.sum()
    return table.reset_index()


def activity_by_month(c: Community) -> pd.DataFrame:
    """Posts per calendar month by type, replies, and members joining (long format).

    Returns ``month, series, count`` with series ``experience``, ``question``, ``suggestion``,
    ``replies``, ``new members``.
    """
    parts = []
    for ptype in POST_TYPES:
        t = c.posts.loc[c.posts["post_type"] == ptype, "timestamp"]
        parts.append(t.dt.to_period("M").value_counts().rename(ptype))
    parts.append(c.replies["timestamp"].dt.to_period("M").value_counts().rename("replies"))
    parts.append(c.members["join_date"].dt.to_period("M").value_counts().rename("new members"))
    wide = pd.concat(parts, axis=1).fillna(0).astype("int64").sort_index()
    wide.index = wide.index.to_timestamp()
    wide.index.name = "month"
    return wide.reset_index().melt(id_vars="month", var_name="series", value_name="count")


def adoption_lead_times(c: Community) -> pd.DataFrame:
    """Adopted suggestions with their lead time from post to release.

    Returns ``post_id, posted, release_date, version, feature, likes, lead_days, lead_weeks``;
    ``lead_days`` = release date − post date in whole days.
    """
    posts = c.posts.set_index("post_id")
    a = c.adoptions.copy()
    a["posted"] = a["post_id"].map(posts["timestamp"])
    a["likes"] = a["post_id"].map(posts["likes"]).astype("int64")
    a["lead_days"] = (a["release_date"].dt.normalize() - a["posted"].dt.normalize()).dt.days.astype("int64")
    a["lead_weeks"] = (a["lead_days"] / 7).round(2)
    cols = ["post_id", "posted", "release_date", "version", "feature", "likes", "lead_days", "lead_weeks"]
    return a[[col for col in cols if col in a.columns]].sort_values("posted", kind="stable").reset_index(drop=True)


def adoption_summary(c: Community, censor_days: int = 90) -> pd.DataFrame:
    """Suggestions, adoptions, adoption rate and lead-time quantiles (days).

    The adoption rate is also given for suggestions posted at least ``censor_days`` before the
    last release in the data: later suggestions may still be adopted after the export was taken
    (right-censoring), which would bias the plain rate down.
    """
    lead = adoption_lead_times(c)
    sug = c.posts.loc[c.posts["post_type"] == "suggestion"]
    last = c.releases["release_date"].max() if not c.releases.empty else c.posts["timestamp"].max()
    early = sug["timestamp"] < last - pd.Timedelta(days=censor_days)
    adopted = sug["post_id"].isin(set(c.adoptions["post_id"]))
    q = lead["lead_days"].quantile([0.25, 0.5, 0.75, 0.9]) if len(lead) else pd.Series(np.nan, index=[.25, .5, .75, .9])
    rows = [("suggestions 建议", len(sug)), ("adopted 被采纳", int(adopted.sum())),
            ("adoption rate, all (%)", round(100 * adopted.mean(), 1) if len(sug) else np.nan),
            (f"adoption rate, posted ≥ {censor_days} days before the last build (%)",
             round(100 * adopted[early].mean(), 1) if early.any() else np.nan),
            ("lead time, 25th percentile (days)", q[0.25]), ("lead time, median (days)", q[0.5]),
            ("lead time, 75th percentile (days)", q[0.75]), ("lead time, 90th percentile (days)", q[0.9]),
            ("share shipped within 4 weeks (%)", round(100 * (lead["lead_days"] <= 28).mean(), 1) if len(lead)
             else np.nan)]
    return pd.DataFrame(rows, columns=["measure", "value"])


def adoption_by_likes(c: Community, bins: Sequence[int] = (0, 2, 5, 10, 20, 10_000)) -> pd.DataFrame:
    """Adoption rate of suggestions by likes band, with Wilson 95% intervals (in %)."""
    from statsmodels.stats.proportion import proportion_confint

    sug = c.posts.loc[c.posts["post_type"] == "suggestion"].copy()
    sug["adopted"] = sug["post_id"].isin(set(c.adoptions["post_id"]))
    labels = [f"{lo}–{hi - 1}" if hi < 10_000 else f"{lo}+" for lo, hi in zip(bins[:-1], bins[1:])]
    sug["likes band"] = pd.cut(sug["likes"], bins=list(bins), right=False, labels=labels)
    g = sug.groupby("likes band", observed=False)["adopted"].agg(["size", "sum"]).reset_index()
    g.columns = ["likes band", "suggestions", "adopted"]
    low, high = proportion_confint(g["adopted"], g["suggestions"].clip(lower=1), method="wilson")
    g["rate (%)"] = (100 * g["adopted"] / g["suggestions"].clip(lower=1)).round(1)
    g["ci low (%)"] = (100 * low).round(1)
    g["ci high (%)"] = (100 * high).round(1)
    return g


def poll_results(c: Community, alpha: float = 0.05) -> pd.DataFrame:
    """Vote shares per poll option with simultaneous (Goodman 1965) 1−alpha intervals, in %."""
    from statsmodels.stats.proportion import multinomial_proportions_confint

    rows = []
    for poll_id, opts in c.polls.groupby("poll_id", sort=True):
        counts = c.votes.loc[c.votes["poll_id"] == poll_id, "option_id"].value_counts()
        n = np.array([int(counts.get(o, 0)) for o in opts["option_id"]])
        ci = multinomial_proportions_confint(np.maximum(n, 0), alpha=alpha, method="goodman") if n.sum() else \
            np.full((len(n), 2), np.nan)
        for (_, o), k, (lo, hi) in zip(opts.iterrows(), n, ci):
            rows.append({"poll_id": poll_id, "feature": o.get("feature", ""), "option_id": o["option_id"],
                         "option": o.get("option", o["option_id"]), "votes": int(k),
                         "share (%)": round(100 * k / max(n.sum(), 1), 1),
                         "ci low (%)": round(100 * lo, 1), "ci high (%)": round(100 * hi, 1)})
    return pd.DataFrame(rows)


def poll_winners(c: Community, alpha: float = 0.05) -> pd.DataFrame:
    """Is each poll's most-voted option distinguishable from the runner-up?

    Test: among the votes for the two leading options, an exact two-sided binomial test of
    equal preference (``scipy.stats.binomtest``); the difference of shares gets a Wald
    interval with the multinomial variance ``(p1 + p2 − (p1 − p2)²) / n``. The two options are
    picked after seeing the votes, so a borderline p-value should be read as "not clearly
    distinguishable".

    Returns ``poll_id, feature, votes, winner, runner_up, winner share, runner-up share,
    difference (points), ci low, ci high, p_value, distinguishable``.
    """
    from scipy.stats import binomtest, norm

    res = poll_results(c, alpha)
    rows = []
    for poll_id, g in res.groupby("poll_id", sort=True):
        g = g.sort_values("votes", ascending=False, kind="stable")
        n = int(g["votes"].sum())
        k1, k2 = int(g["votes"].iloc[0]), int(g["votes"].iloc[1]) if len(g) > 1 else 0
        p1, p2 = k1 / max(n, 1), k2 / max(n, 1)
        se = np.sqrt(max(p1 + p2 - (p1 - p2) ** 2, 0) / max(n, 1))
        z = norm.ppf(1 - alpha / 2)
        p_value = binomtest(k1, k1 + k2, 0.5).pvalue if k1 + k2 else np.nan
        rows.append({"poll_id": poll_id, "feature": g["feature"].iloc[0], "votes": n,
                     "winner": g["option"].iloc[0], "runner_up": g["option"].iloc[1] if len(g) > 1 else "",
                     "winner share (%)": round(100 * p1, 1), "runner-up share (%)": round(100 * p2, 1),
                     "difference (points)": round(100 * (p1 - p2), 1),
                     "ci low": round(100 * (p1 - p2 - z * se), 1), "ci high": round(100 * (p1 - p2 + z * se), 1),
                     "p_value": float(p_value), "distinguishable": bool(p_value < alpha)})
    return pd.DataFrame(rows)


def _mean_ci(values: pd.Series, alpha: float = 0.05) -> tuple[float, float, float]:
    from scipy.stats import t

    v = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    if v.size == 0:
        return np.nan, np.nan, np.nan
    m = float(v.mean())
    if v.size < 2:
        return m, np.nan, np.nan
    h = float(t.ppf(1 - alpha / 2, v.size - 1) * v.std(ddof=1) / np.sqrt(v.size))
    return m, m - h, m + h


def value_by_engagement(eng: pd.DataFrame, value: pd.DataFrame, by: str = "level",
                        strata: str | None = None) -> pd.DataFrame:
    """Customer value by engagement group: counts, mean CLV with a 95% t interval, median CLV, P(alive).

    Parameters
    ----------
    eng
        :func:`engagement` output.
    value
        One row per customer with ``customer_id`` and some of ``clv, p_alive,
        expected_purchases, frequency, monetary_value`` (notebook 04's ``clv.parquet``) and
        optionally segment columns.
    by
        Engagement column to group by (``level`` or e.g. ``member``).
    strata
        An extra column of ``value`` (e.g. the simulation's true ``group``) to compare within.

    Returns
    -------
    DataFrame
        Per group: ``customers``, ``mean clv``, ``ci low``, ``ci high``, ``median clv``,
        ``mean p_alive``, ``mean expected purchases``. Customers without a value row (no
        purchases) are not included; their number is in ``attrs["unmatched"]``.
        Descriptive only: differences are associations, not effects of engagement.
    """
    joined = eng.merge(value, on="customer_id", how="inner")
    keys = [strata, by] if strata else [by]
    rows = []
    for key, g in joined.groupby(keys, observed=True, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        m, lo, hi = _mean_ci(g["clv"]) if "clv" in g else (np.nan,) * 3
        row = dict(zip(keys, key))
        row.update({"customers": len(g), "mean clv": m, "ci low": lo, "ci high": hi,
                    "median clv": float(g["clv"].median()) if "clv" in g else np.nan,
                    "mean p_alive": float(g["p_alive"].mean()) if "p_alive" in g else np.nan,
                    "mean expected purchases": float(g["expected_purchases"].mean())
                    if "expected_purchases" in g else np.nan})
        rows.append(row)
    out = pd.DataFrame(rows)
    for col in ("mean clv", "ci low", "ci high", "median clv"):
        out[col] = out[col].round(1)
    for col in ("mean p_alive", "mean expected purchases"):
        out[col] = out[col].round(3)
    out.attrs["unmatched"] = int(len(eng) - len(joined))
    return out


def segment_engagement(eng: pd.DataFrame, segments: pd.DataFrame, column: str) -> pd.DataFrame:
    """Share of each segment's customers at each engagement level (rows: segments, %), plus counts."""
    joined = eng.merge(segments[["customer_id", column]], on="customer_id", how="inner")
    table = pd.crosstab(joined[column], joined["level"], normalize="index").mul(100).round(1)
    table.columns = [str(c) for c in table.columns]
    table.insert(0, "customers", joined[column].value_counts().reindex(table.index).to_numpy())
    table.index.name = column
    return table.reset_index()


def meetup_panel(c: Community, transactions: pd.DataFrame, window_days: int = 180,
                 end: pd.Timestamp | None = None) -> pd.DataFrame:
    """Purchases before and after each meet-up for attendees and a comparison group.

    For each meet-up with a full ``window_days`` after it (before ``end``, default the last
    transaction), the rows are customers who are members of that city (the club's city), had
    joined the forum and made their first purchase before the meet-up: those who checked in
    (``attended``) and those who did not (``comparison``). ``before``/``after`` count distinct
    orders in ``[d − w, d)`` and ``[d, d + w)``.

    Returns ``meetup_id, date, city, customer_id, attended, before, after, change``.
    """
    tx = transactions[["customer_id", "order_id", "timestamp"]].drop_duplicates(["customer_id", "order_id"])
    tx = tx.assign(customer_id=tx["customer_id"].astype("string"))
    end = tx["timestamp"].max() if end is None else pd.Timestamp(end)
    first = tx.groupby("customer_id")["timestamp"].min()
    members = c.members.loc[c.members["customer_id"].notna()]
    w = pd.Timedelta(days=window_days)
    att = c.attendance.merge(members[["member_id", "customer_id"]], on="member_id", how="inner")
    frames = []
    for _, m in c.meetups.iterrows():
        d = m["date"]
        if d + w > end or d - w < tx["timestamp"].min():
            continue
        pool = members.loc[(members["city"] == m["city"]) & (members["join_date"] < d)]
        pool = pool.loc[pool["customer_id"].map(first).lt(d).fillna(False).astype(bool)]
        ids = pool["customer_id"].drop_duplicates()
        attended = set(att.loc[att["meetup_id"] == m["meetup_id"], "customer_id"])
        frames.append(pd.DataFrame({"meetup_id": m["meetup_id"], "date": d, "city": m["city"],
                                    "customer_id": ids.to_numpy(), "attended": ids.isin(attended).to_numpy()}))
    if not frames:
        return pd.DataFrame(columns=["meetup_id", "date", "city", "customer_id", "attended", "before", "after",
                                     "change"])
    panel = pd.concat(frames, ignore_index=True)
    merged = panel[["meetup_id", "date", "customer_id"]].merge(tx, on="customer_id", how="left")
    delta = merged["timestamp"] - merged["date"]
    merged["before"] = ((delta < pd.Timedelta(0)) & (delta >= -w)).astype(int)
    merged["after"] = ((delta >= pd.Timedelta(0)) & (delta < w)).astype(int)
    counts = merged.groupby(["meetup_id", "customer_id"])[["before", "after"]].sum()
    panel = panel.merge(counts, left_on=["meetup_id", "customer_id"], right_index=True, how="left")
    panel["change"] = panel["after"] - panel["before"]
    return panel


def _reweights(panel: pd.DataFrame) -> np.ndarray:
    """Weights of comparison rows that match the attendees' distribution of orders before (0, 1, 2, 3+)."""
    a = panel.loc[panel["attended"]]
    b = panel.loc[~panel["attended"]]
    band = lambda s: np.minimum(s.to_numpy(), 3)  # noqa: E731
    a_share = pd.Series(band(a["before"])).value_counts(normalize=True)
    b_share = pd.Series(band(b["before"])).value_counts(normalize=True)
    return pd.Series(band(b["before"])).map(lambda k: a_share.get(k, 0.0) / b_share.get(k, np.nan)).fillna(0).to_numpy()


def meetup_groups(panel: pd.DataFrame) -> pd.DataFrame:
    """Mean orders before and after a meet-up: attendees, comparison group, and the comparison reweighted.

    The reweighted comparison weights its rows so that their distribution of orders *before* the
    meet-up (0, 1, 2, 3+) matches the attendees'. Rows are customer–meet-up pairs.
    Returns ``group, pairs, before, after, change``.
    """
    a = panel.loc[panel["attended"]]
    b = panel.loc[~panel["attended"]]
    rows = []
    for name, frame, w in (("attended 参加者", a, None), ("comparison 对照组", b, None),
                           ("comparison, reweighted 对照组（按参会前购买加权）", b, _reweights(panel))):
        wts = np.ones(len(frame)) if w is None else w
        row: dict[str, Any] = {"group": name, "pairs": len(frame)}
        for col in ("before", "after", "change"):
            v = frame[col].to_numpy(dtype=float)
            row[col] = round(float(np.average(v, weights=wts)), 3) if len(v) and wts.sum() > 0 else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def meetup_effects(panel: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Attendees vs comparison group: naive difference after, and differences in differences, with intervals.

    Rows: ``naive difference after`` (attended − comparison, window after only), ``difference in
    differences`` (attended change − comparison change) and the same against the reweighted
    comparison (:func:`meetup_groups`); Welch (1−alpha) intervals, the weighted one with Kish's
    effective sample size. Rows are customer–meet-up pairs (a customer may appear for several
    meet-ups; the intervals ignore that clustering and are therefore somewhat too narrow). Not a
    causal estimate: attendees choose to come. Returns ``comparison, estimate, ci low, ci high``.
    """
    from scipy.stats import t as tdist

    a = panel.loc[panel["attended"]]
    b = panel.loc[~panel["attended"]]

    def diff(x: np.ndarray, y: np.ndarray, wy: np.ndarray | None = None) -> tuple[float, float, float]:
        wy = np.ones(len(y)) if wy is None else wy
        if len(x) < 2 or wy.sum() <= 0:
            return np.nan, np.nan, np.nan
        my = np.average(y, weights=wy)
        vy = np.average((y - my) ** 2, weights=wy)
        n_eff = wy.sum() ** 2 / (wy ** 2).sum()
        se2x, se2y = x.var(ddof=1) / len(x), vy / max(n_eff - 1, 1)
        d = x.mean() - my
        dof = (se2x + se2y) ** 2 / (se2x ** 2 / (len(x) - 1) + se2y ** 2 / max(n_eff - 1, 1))
        h = tdist.ppf(1 - alpha / 2, dof) * np.sqrt(se2x + se2y)
        return float(d), float(d - h), float(d + h)

    rows = [("naive difference after 参会后差异（未调整）", diff(a["after"].to_numpy(float), b["after"].to_numpy(float))),
            ("difference in differences 双重差分", diff(a["change"].to_numpy(float), b["change"].to_numpy(float))),
            ("difference in differences, reweighted 双重差分（加权）",
             diff(a["change"].to_numpy(float), b["change"].to_numpy(float), _reweights(panel)))]
    out = pd.DataFrame([{"comparison": name, "estimate": e, "ci low": lo, "ci high": hi} for name, (e, lo, hi) in rows])
    return out.round(3)


# --------------------------------------------------------------------------- figures


def _title(ax, title: str, label: str | None) -> None:
    from .plotting import set_title as title_with_label  # matplotlib is imported only when plotting

    title_with_label(ax, title, label)


def _zh() -> bool:
    return i18n.get_language() == "zh"


def plot_funnel(table: pd.DataFrame, label: str | None = None):
    """Horizontal funnel bars with counts and the share kept from the previous stage."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3.4))
    names = table["阶段"] if _zh() else table["stage"] + " " + table["阶段"]
    ax.barh(names, table["customers"], color="#4C72B0")
    for y, (n, prev) in enumerate(zip(table["customers"], table["share_of_previous"])):
        text = f" {n:,}" + ("" if pd.isna(prev) else tr("  ({share:.0f}% of previous)", share=prev))
        ax.text(n, y, text, va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel(tr("customers (客户数, log scale)"))
    _title(ax, tr("Engagement funnel 互动漏斗"), label)
    fig.tight_layout()
    return fig


def plot_activity(activity: pd.DataFrame, label: str | None = None):
    """Monthly posts by type (stacked) and new members per month."""
    import matplotlib.pyplot as plt

    wide = activity.pivot(index="month", columns="series", values="count").fillna(0)
    fig, axes = plt.subplots(2, 1, figsize=(8, 5.2), sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    types = [t for t in POST_TYPES if t in wide]
    axes[0].stackplot(wide.index, *[wide[t] for t in types],
                      labels=[POST_TYPES[t][0] if _zh() else f"{t} {POST_TYPES[t][0]}" for t in types], alpha=0.85)
    axes[0].legend(loc="upper left", fontsize=8)
    axes[0].set_ylabel(tr("posts per month (帖/月)"))
    _title(axes[0], tr("Forum activity 论坛活跃度"), label)
    axes[1].bar(wide.index, wide.get("new members", 0), width=20, color="#55A868")
    axes[1].set_ylabel(tr("new members / month"))
    axes[1].set_xlabel(tr("month (月)"))
    fig.tight_layout()
    return fig


def plot_lead_times(lead: pd.DataFrame, label: str | None = None):
    """Histogram of lead times (days) from suggestion to the Friday build that shipped it."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3.4))
    bins = np.arange(0, max(int(lead["lead_days"].max()) + 8, 15), 7) if len(lead) else 10
    ax.hist(lead["lead_days"], bins=bins, color="#4C72B0", edgecolor="white")
    if len(lead):
        med = float(lead["lead_days"].median())
        ax.axvline(med, color="#C44E52", ls="--", lw=1.2)
        ax.text(med, ax.get_ylim()[1] * 0.95, tr(" median {days:.0f} days", days=med), color="#C44E52", va="top",
                fontsize=8)
    ax.set_xlabel(tr("days from suggestion to release (建议到发布的天数)"))
    ax.set_ylabel(tr("adopted suggestions"))
    _title(ax, tr("Adoption lead time 建议采纳周期"), label)
    fig.tight_layout()
    return fig


def plot_polls(results: pd.DataFrame, label: str | None = None):
    """Vote shares with simultaneous 95% intervals, one panel per poll."""
    import matplotlib.pyplot as plt

    polls = list(dict.fromkeys(results["poll_id"]))
    fig, axes = plt.subplots(1, len(polls), figsize=(2.9 * len(polls), 3.2), squeeze=False, sharey=True)
    for ax, pid in zip(axes[0], polls):
        g = results.loc[results["poll_id"] == pid]
        x = np.arange(len(g))
        ax.bar(x, g["share (%)"], color="#4C72B0")
        ax.errorbar(x, g["share (%)"], yerr=[g["share (%)"] - g["ci low (%)"], g["ci high (%)"] - g["share (%)"]],
                    fmt="none", color="black", capsize=3, lw=1)
        ax.set_xticks(x, i18n.tr_labels(g["option"], lenient=True), rotation=30, ha="right", fontsize=8)
        ax.set_title(f"{pid}: {i18n.tr_header(g['feature'].iloc[0])}", fontsize=9, loc="left")
    axes[0][0].set_ylabel(tr("share of votes (%)"))
    fig.suptitle(i18n.with_label(tr("Feature polls: vote shares, 95% simultaneous intervals 功能投票"), label),
                 x=0.01, ha="left", fontweight="bold")
    fig.tight_layout()
    return fig


def plot_value_by_engagement(table: pd.DataFrame, currency: str = "CNY", label: str | None = None,
                             by: str = "level"):
    """Mean CLV per engagement group with 95% intervals (and counts)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3.4))
    names = [ENGAGEMENT_LEVELS.get(str(v), i18n.tr_header(str(v))) if _zh() else f"{v}\n{ENGAGEMENT_LEVELS.get(str(v), '')}"
             for v in table[by]]
    x = np.arange(len(table))
    ax.bar(x, table["mean clv"], color="#4C72B0")
    ax.errorbar(x, table["mean clv"], yerr=[table["mean clv"] - table["ci low"], table["ci high"] - table["mean clv"]],
                fmt="none", color="black", capsize=3, lw=1)
    for xi, (m, n) in enumerate(zip(table["mean clv"], table["customers"])):
        ax.text(xi, 0, f"n={n:,}", ha="center", va="bottom", fontsize=8, color="white")
    ax.set_xticks(x, names, fontsize=8)
    ax.set_ylabel(tr("mean CLV ({currency})", currency=currency))
    _title(ax, tr("Customer value by engagement (association, not effect) 互动程度与客户价值"), label)
    fig.tight_layout()
    return fig


def plot_meetups(panel: pd.DataFrame, label: str | None = None):
    """Mean orders in the window before and after a meet-up: attendees vs comparison group."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 3.4))
    for attended, color, name in ((True, "#C44E52", "attended 参加者"), (False, "#4C72B0", "comparison 对照组")):
        g = panel.loc[panel["attended"] == attended]
        if len(g):
            ax.plot([0, 1], [g["before"].mean(), g["after"].mean()], marker="o", color=color,
                    label=f"{tr(name)} (n={len(g):,})")
    ax.set_xticks([0, 1], i18n.tr_labels(["before 参会前", "after 参会后"]))
    ax.set_ylabel(tr("orders per customer in the window"))
    ax.legend(fontsize=8)
    _title(ax, tr("Meet-ups and purchases 同城会活动与购买"), label)
    fig.tight_layout()
    return fig


def true_groups(raw_dir: Path = RAW / "xiaomi_sim") -> pd.DataFrame:
    """The simulation's true customer group of every buyer (``customer_id, group``): SIMULATED truth only."""
    truth = pd.read_csv(Path(raw_dir) / "truth" / "customers_truth.csv", dtype={"customer_id": str},
                        usecols=["customer_id", "group"])
    truth["customer_id"] = truth["customer_id"].astype("string")
    return truth


def planted_lag_summary(manifest: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Planted lag from suggestion to 'ready' (Gamma, days) and its mean; the build then waits for Friday."""
    adoption = (manifest or {}).get("parameters", {}).get("adoption", ADOPTION)
    k, theta = adoption["lag_gamma_shape"], adoption["lag_gamma_scale_days"]
    return pd.DataFrame([{"distribution": f"Gamma(shape={k}, scale={theta} days)", "mean lag (days)": k * theta,
                          "expected lead time incl. wait for Friday (days)": round(k * theta + 3.5, 1)}])
