from django import forms
from django.utils.translation import gettext_lazy as _

from jiayi.core.models import ImportKind

MAX_UPLOAD_MB = 200


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("导入类型"), choices=ImportKind.choices)
    file = forms.FileField(
        label=_("文件"),
        help_text=_("CSV（UTF-8 或 GB18030）或 Excel（.xlsx），第一行为表头"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith((".csv", ".xlsx", ".txt")):
            raise forms.ValidationError(_("只支持 CSV 和 XLSX 文件"))
        if f.size > MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(_("文件超过%(n)dMB") % {"n": MAX_UPLOAD_MB})
        return f
