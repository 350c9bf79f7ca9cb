from jiayi.core.urls_audit import urlpatterns as audit_urls
from jiayi.core.urls_imports import urlpatterns as import_urls

app_name = "core"
urlpatterns = audit_urls + import_urls
