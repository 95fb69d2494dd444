"""Owner account pages, mounted at /me/."""

from django.urls import path

from pmip.portal.account import views

app_name = "portal_account"
urlpatterns = [
    path("login/", views.login, name="login"),
    path("login/wechat/", views.wechat_start, name="wechat_start"),
    path("login/wechat/callback/", views.wechat_callback, name="wechat_callback"),
    path("logout/", views.logout, name="logout"),
    path("logout-all/", views.logout_all, name="logout_all"),
    path("elder-mode/", views.elder_mode, name="elder_mode"),
    path("captcha/", views.captcha_refresh, name="captcha_refresh"),
    # Embedded stand-ins of WeChat's authorise page and the face-verification page (404 for real backends).
    path("wechat-standin/authorize", views.wechat_standin, name="wechat_standin"),
    path("faceid-standin/verify", views.face_standin, name="face_standin"),
    # 业主身份绑定
    path("binding/", views.binding, name="binding"),
    path("binding/notice/", views.binding_notice, name="binding_notice"),
    path("binding/form/", views.binding_form, name="binding_form"),
    path("binding/face/", views.binding_face, name="binding_face"),
    path("binding/face/return/", views.binding_face_return, name="binding_face_return"),
    path("binding/units/", views.binding_units, name="binding_units"),
    path("binding/add/", views.binding_add, name="binding_add"),
    path("binding/houses/<int:binding_id>/", views.binding_detail, name="binding_detail"),
    path("binding/unbind/", views.binding_unbind, name="binding_unbind"),
    path("binding/verify/", views.binding_verify, name="binding_verify"),
    path("binding/verify/return/", views.binding_verify_return, name="binding_verify_return"),
    path("binding/house-info/", views.house_info, name="house_info"),
]
