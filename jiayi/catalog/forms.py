"""Catalogue forms: parse only; the rules are in services."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiayi.core.errors import ValidationFailed
from jiayi.policy.forms import region_choices

from .models import ItemCategory, ServiceItem, ServicePackage, population_choices
from .services import ItemLine, check_money

ITEMS_HELP = gettext_lazy("每行一个项目：项目编码 每年次数 [首次]，例如：ECG 1；BLOOD_TYPE 1 首次")


def lines_to_text(package: ServicePackage) -> str:
    return "\n".join(
        f"{pi.item.code} {pi.quantity}{' 首次' if pi.first_contract_only else ''}"
        for pi in package.items.all()
    )


def _style(form):
    for field in form.fields.values():
        w = field.widget
        if isinstance(w, forms.CheckboxSelectMultiple | forms.CheckboxInput):
            w.attrs.setdefault("class", "form-check-input")
        elif isinstance(w, forms.Select):
            w.attrs.setdefault("class", "form-select")
        else:
            w.attrs.setdefault("class", "form-control")


class ItemForm(forms.Form):
    """A service item. The price rule is the service's (`check_money`), so the page and the API
    say the same thing; the service checks everything again when called."""

    code = forms.CharField(label=gettext_lazy("项目编码"), max_length=30)
    name = forms.CharField(label=gettext_lazy("项目名称"), max_length=100)
    # A blank first option, so nobody saves the first category by overlooking the field.
    category = forms.ChoiceField(
        label=gettext_lazy("类别"), choices=[("", gettext_lazy("请选择")), *ItemCategory.choices]
    )
    unit_price = forms.DecimalField(
        label=gettext_lazy("单价（元）"),
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
        error_messages={"invalid": gettext_lazy("请输入金额，例如 12.50")},
    )
    unit = forms.CharField(
        label=gettext_lazy("计价单位"),
        max_length=10,
        required=False,
        initial="次",
        help_text=gettext_lazy("留空按“次”计"),
    )
    description = forms.CharField(
        label=gettext_lazy("说明"),
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    is_active = forms.BooleanField(label=gettext_lazy("在用"), required=False, initial=True)

    def __init__(self, *args, item: ServiceItem | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if item is not None and not self.is_bound:
            for name in self.fields:
                self.initial[name] = getattr(item, name)
        self.fields["code"].widget.attrs["autocapitalize"] = "characters"
        _style(self)

    def clean_unit_price(self):
        # The service's own check, run here too so a bad price shows with the other field errors.
        try:
            return check_money("unit_price", self.cleaned_data["unit_price"])
        except ValidationFailed as exc:
            raise forms.ValidationError(str(exc.message)) from None

    def add_error(self, field, error):
        # Errors from the service arrive here too (viewkit.call_service), after validation.
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()

    def item_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}


class PackageForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("服务包编码"), max_length=30)
    name = forms.CharField(label=gettext_lazy("服务包名称"), max_length=100)
    tier = forms.ChoiceField(
        label=gettext_lazy("类型"), choices=ServicePackage._meta.get_field("tier").choices
    )
    populations = forms.MultipleChoiceField(
        label=gettext_lazy("适宜人群"), choices=population_choices, widget=forms.CheckboxSelectMultiple
    )
    region = forms.ModelChoiceField(
        label=gettext_lazy("适用区域"),
        queryset=ServicePackage.objects.none(),
        required=False,
        empty_label=gettext_lazy("通用（所有区域）"),
    )
    valid_from = forms.DateField(
        label=gettext_lazy("生效日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_to = forms.DateField(
        label=gettext_lazy("失效日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    price = forms.DecimalField(label=gettext_lazy("年收费（元）"), max_digits=10, decimal_places=2)
    fee_public_health = forms.DecimalField(
        label=gettext_lazy("基本公卫经费分担（元）"), max_digits=10, decimal_places=2, initial=0
    )
    fee_insurance = forms.DecimalField(
        label=gettext_lazy("医保基金分担（元）"), max_digits=10, decimal_places=2, initial=0
    )
    fee_resident = forms.DecimalField(
        label=gettext_lazy("居民个人分担（元）"), max_digits=10, decimal_places=2, initial=0
    )
    min_service_value = forms.DecimalField(
        label=gettext_lazy("承诺提供服务价值不低于（元）"), max_digits=10, decimal_places=2, required=False
    )
    price_from_items = forms.BooleanField(
        label=gettext_lazy("按项目单价累加计价（居民个人支付）"), required=False
    )
    items = forms.CharField(
        label=gettext_lazy("服务项目"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=ITEMS_HELP,
    )
    description = forms.CharField(
        label=gettext_lazy("服务内容说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, user=None, package: ServicePackage | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = region_choices(user)
        if package is not None:
            self.fields["code"].disabled = True
            if not self.is_bound:
                for name in self.fields:
                    if hasattr(package, name) and name != "items":
                        self.initial[name] = getattr(package, name)
                self.initial["items"] = lines_to_text(package)
        _style(self)

    def clean_items(self):
        lines, codes = [], {}
        for n, raw in enumerate(
            filter(None, (x.strip() for x in (self.cleaned_data.get("items") or "").splitlines())), 1
        ):
            parts = raw.split()
            code = parts[0]
            if code not in codes:
                codes[code] = ServiceItem.objects.filter(code=code).first()
            if codes[code] is None:
                raise forms.ValidationError(_("第%(n)s行：项目编码 %(c)s 不存在") % {"n": n, "c": code})
            try:
                qty = int(parts[1]) if len(parts) > 1 else 1
            except ValueError:
                raise forms.ValidationError(_("第%(n)s行：次数应为整数") % {"n": n}) from None
            lines.append(ItemLine(codes[code], qty, len(parts) > 2 and parts[2] in ("首次", "first")))
        return lines

    def package_values(self) -> dict:
        d = self.cleaned_data
        keys = [
            "name",
            "tier",
            "populations",
            "region",
            "valid_from",
            "valid_to",
            "price",
            "fee_public_health",
            "fee_insurance",
            "fee_resident",
            "min_service_value",
            "description",
        ]
        values = {k: d.get(k) for k in keys}
        if d.get("price_from_items"):
            from .services import package_price_from_items

            values["price"] = package_price_from_items(d["items"])
            values.update(fee_public_health=0, fee_insurance=0, fee_resident=values["price"])
        return values
