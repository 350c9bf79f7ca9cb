import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from jiayi.care.reminders import remind_due


class Command(BaseCommand):
    help = "发送随访与续约提醒（每日任务，可重复运行，不会重复发送）"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按此日期运行（YYYY-MM-DD），默认今天")
        parser.add_argument("--days", type=int, default=7, help="提前多少天提醒随访（默认 7）")

    def handle(self, *args, **options):
        on = None
        if options["date"]:
            try:
                on = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("日期格式应为 YYYY-MM-DD") from None
        counts = remind_due(on=on, contact_days=options["days"])
        self.stdout.write(
            "随访提醒 {contact_due} 条，续约提醒 {renewal} 条，已发送过跳过 {skipped} 条，失败 {failed} 条".format(
                **counts
            )
        )
