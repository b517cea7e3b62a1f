"""The national survey of 通いの場 (介護予防・日常生活支援総合事業等の実施状況に関する調査): its
categories, and what the registry can tell of each place without asking anyone.

The survey asks, for each place (活動会場毎) held at least once a month, its main
activity (主な活動内容), who runs it (運営主体), where it meets (開催場所), how often (開催頻度)
and how many different people came in one month of the fiscal year (参加者実人数). The
categories follow the published results for 令和4年度 (2022); what could not be checked
against the form is said in the README. No Telegram here, and no database: pure
functions the survey writer and the handlers share.
"""

from __future__ import annotations

import enum
from datetime import date

from models.schedule import Frequency, Schedule

# The survey year whose layout the file follows (令和4年度実施分, published 2024-02-26).
LAYOUT_YEAR = "令和4年度"


class SurveyCategory(enum.StrEnum):
    """主な活動内容."""

    EXERCISE = "exercise"  # 体操（運動）
    HOBBY = "hobby"  # 趣味活動
    TEA = "tea"  # 茶話会
    DEMENTIA = "dementia"  # 認知症予防
    MEAL = "meal"  # 会食
    FARMING = "farming"  # 農作業
    LEARNING = "learning"  # 生涯学習
    VOLUNTEER = "volunteer"  # ボランティア活動
    GENERATIONS = "generations"  # 多世代交流
    WORK = "work"  # 就労的活動
    OTHER = "other"  # その他


class Operator(enum.StrEnum):
    """運営主体."""

    RESIDENTS_GROUP = "residents_group"  # 住民団体
    RESIDENT = "resident"  # 住民個人
    SOCIAL_WELFARE_COUNCIL = "swc"  # 社会福祉協議会
    MUNICIPALITY = "municipality"  # 市町村
    CARE_CENTRE = "care_centre"  # 地域包括支援センター
    CARE_PROVIDER = "care_provider"  # 介護サービス事業所
    NPO = "npo"  # NPO法人
    COMPANY = "company"  # 民間企業
    OTHER = "other"  # その他


class Venue(enum.StrEnum):
    """開催場所."""

    HALL = "hall"  # 公民館・自治会館・集会所
    CARE_SPACE = "care_space"  # 介護関係施設・事業所の空きスペース
    HOME = "home"  # 個人宅
    SHOP = "shop"  # 商店・空き店舗
    OUTDOORS = "outdoors"  # 公園・屋外
    OTHER = "other"  # その他


class Band(enum.StrEnum):
    """開催頻度, as the survey's bands."""

    WEEKLY = "weekly"  # 週1回以上
    TWICE_MONTHLY = "twice_monthly"  # 月2回以上4回未満
    MONTHLY = "monthly"  # 月1回以上2回未満
    LESS = "less"  # 月1回未満


def activity_kinds() -> dict[str, SurveyCategory | None]:
    """Return the registry's kinds (``ActivityKind`` values) with their survey category:
    one where the kind says it (体操 is 体操（運動）), None where the organiser is asked."""
    return {
        "exercise": SurveyCategory.EXERCISE,
        "hobby": SurveyCategory.HOBBY,
        "salon": SurveyCategory.TEA,
        "meal": SurveyCategory.MEAL,
        "gathering": None,  # a 通いの場 may do anything: asked
        "role": None,  # 就労的活動 or ボランティア活動: asked
        "other": None,
        # help given at home, not a place people come to
        "watching": None, "daily_help": None, "transport": None,
    }


# The kinds that are help given at home or on the way, not a place: not a 通いの場 unless
# the coordinator says it is.
NOT_A_PLACE = frozenset({"watching", "daily_help", "transport"})


def default_category(kind: str | None) -> SurveyCategory | None:
    """Return the survey category a registry kind stands for, None when it must be asked."""
    return activity_kinds().get(kind or "")


def asks_category(kind: str | None) -> bool:
    """True when choosing this kind leaves the survey category to be asked."""
    return kind is not None and kind not in NOT_A_PLACE and default_category(kind) is None


# Four weeks, the survey's "月" for schedules counted by the week (隔週 is twice a month).
_WEEKS_A_MONTH = 4


def sessions_a_month(schedule: Schedule) -> float | None:
    """Return how many times a month the schedule meets (None for a one-off)."""
    if schedule.frequency is Frequency.ONCE:
        return None
    if schedule.frequency is Frequency.MONTHLY:
        return float(len(schedule.monthdays) or len(schedule.nth) * len(schedule.weekdays))
    return len(schedule.weekdays) * _WEEKS_A_MONTH / max(schedule.interval_weeks, 1)


def band(schedule: Schedule) -> Band | None:
    """Return the survey's 開催頻度 band of a schedule; None for a one-off, which is not a
    通いの場 (the survey counts places held at least once a month)."""
    per_month = sessions_a_month(schedule)
    if per_month is None:
        return None
    if per_month >= 4:
        return Band.WEEKLY
    if per_month >= 2:
        return Band.TWICE_MONTHLY
    if per_month >= 1:
        return Band.MONTHLY
    return Band.LESS


def counts_as_place(kind: str | None, kayoinoba: bool | None, schedule: Schedule | None
                    ) -> bool:
    """True when a place belongs in the survey: the coordinator's word if given, else a
    gathering (not help at home) that meets at least once a month."""
    if kayoinoba is not None:
        return kayoinoba
    if kind in NOT_A_PLACE or schedule is None:
        return False
    return band(schedule) not in (None, Band.LESS)


def fiscal_year_months(fiscal_year: int) -> list[date]:
    """Return the first days of the fiscal year's months, April to March."""
    return [date(fiscal_year + (m < 4), m, 1) for m in (*range(4, 13), 1, 2, 3)]


def fiscal_year_of(day: date) -> int:
    """Return the Japanese fiscal year (April to March) ``day`` belongs to."""
    return day.year if day.month >= 4 else day.year - 1
