"""`jiayi demo [--scale S] [--seed N] [--reset]`: build the demo district and print its logins."""

import time

from django.core.management.base import BaseCommand, CommandError

from jiayi.core.errors import BusinessError


class Command(BaseCommand):
    help = "建立演示区县（重庆市黔江区）：机构、团队、居民、重点人群、签约、履约和各角色登录账号"

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=float, default=0.02, help="居民人数比例（1 = 约49.2万人），默认0.02"
        )
        parser.add_argument("--seed", type=int, default=2024, help="随机种子，相同种子生成相同数据，默认2024")
        parser.add_argument("--reset", action="store_true", help="先删除已有的演示数据再重新生成")

    def handle(self, *args, scale, seed, reset, **options):
        from jiayi.demo import DEMO_PASSWORD, build_district, demo_exists, reset_district

        if not 0 < scale <= 2:
            raise CommandError("--scale 应在 0 到 2 之间")
        verbose = options.get("verbosity", 1) >= 2
        try:
            if reset and demo_exists():
                started = time.perf_counter()
                reset_district()
                self.stdout.write(f"已删除原有演示数据（{time.perf_counter() - started:.1f} 秒）")
            existed = demo_exists()
            if not existed:
                self.stdout.write(f"正在生成演示区县：比例 {scale}，随机种子 {seed} …")
            result = build_district(
                scale=scale, seed_value=seed, progress=self.stdout.write if verbose else None
            )
        except BusinessError as exc:
            raise CommandError(str(exc.message)) from exc
        if not result["created"]:
            self.stdout.write("演示区县已存在（如需重建请加 --reset）。")
        self._print_logins(result["logins"], DEMO_PASSWORD)
        self._print_summary(result)

    def _print_logins(self, rows, password):
        self.stdout.write("")
        self.stdout.write(f"演示登录账号（密码均为 {password}）：")
        width = max(len(r["username"]) for r in rows) if rows else 8
        for r in rows:
            self.stdout.write(f"  {r['username']:<{width}}  {r['role']:<8}  {r['scope']}  {r['name']}")

    def _print_summary(self, s):
        self.stdout.write("")
        self.stdout.write(
            f"区划 {s['regions']} 个 · 机构 {s['institutions']} 家 · 居民 {s['residents']} 人 · "
            f"家庭户 {s['households']} 户 · 团队 {s['teams']} 个 · 医务人员 {s['practitioners']} 人 · "
            f"重点人群登记 {s['key_population_records']} 条"
        )
        self.stdout.write(
            f"在约 {s['contracts_in_force']} 人 · 签约覆盖率 {s['coverage_percent']}% · "
            f"重点人群签约覆盖率 {s['key_coverage_percent']}% · 服务记录 {s['service_records']} 条 · "
            f"用时 {s['seconds']} 秒"
        )
