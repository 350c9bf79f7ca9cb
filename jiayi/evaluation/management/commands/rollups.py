"""`jiayi rollups`: recompute the coverage rollups of the teams marked dirty (idempotent).

The worker runs it after each contract write; a cron line keeps it honest without a worker:
    * * * * *  jiayi rollups
    5 0 * * *  jiayi rollups --daily      (teams whose residents turned 65 or 7 today)
`--rebuild` recomputes everything from the raw tables (recovery, first install).
"""

import datetime as dt
import time

from django.core.management.base import BaseCommand

from jiayi.evaluation import rollups


class Command(BaseCommand):
    help = "重新计算签约覆盖汇总（仅计算有变动的团队；--rebuild 全部重算）"

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="从原始数据全部重算")
        parser.add_argument("--daily", action="store_true", help="标记今天跨越65岁或7岁的居民所在团队")
        parser.add_argument("--months", type=int, default=12, help="重算时生成的月度趋势月数")
        parser.add_argument("--date", type=dt.date.fromisoformat, default=None, help="按此日期计算（测试用）")

    def handle(self, *args, rebuild=False, daily=False, months=12, date=None, **options):
        started = time.monotonic()
        if rebuild:
            out = rollups.rebuild(today=date, months=months)
            self.stdout.write(f"rebuilt: {out['teams']} teams, {out['months']} months")
        else:
            if daily:
                self.stdout.write(f"age crossings: {rollups.mark_age_crossings(date)} teams marked")
            self.stdout.write(f"refreshed: {rollups.refresh_dirty(today=date)} teams")
        self.stdout.write(f"{time.monotonic() - started:.1f}s")
