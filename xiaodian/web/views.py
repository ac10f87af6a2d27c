"""The site's pages. Each view parses a form, calls a service (writes) or a selector (reads) and
renders; a service's DomainError is shown next to the field it names.

Store pages go through `stores.access.store_for`: no role on the store → 404, a role without the
permission → 403.
"""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from xiaodian.accounts import selectors as account_selectors
from xiaodian.accounts import services as account_services
from xiaodian.accounts.auth import count_sign_in
from xiaodian.accounts.rules import GRANTABLE_BY, REGISTER_PER_ADDRESS, TOKEN_CREATE_PER_USER, Perm
from xiaodian.aftersales import selectors as aftersales_selectors
from xiaodian.catalog import selectors as catalog_selectors
from xiaodian.complaints import selectors as complaint_selectors
from xiaodian.content import selectors as content_selectors
from xiaodian.core import throttle
from xiaodian.core.errors import DomainError
from xiaodian.payments import selectors as payment_selectors
from xiaodian.payments import services as payment_services
from xiaodian.stores import selectors as store_selectors
from xiaodian.stores import services as store_services
from xiaodian.stores import touchpoints
from xiaodian.stores.access import can, store_for
from xiaodian.stores.rules import LINK_INVITE_TTL, DepositStatus, LinkKind, LinkState, StoreState

from .forms import (
    BrandAuthorizationForm,
    CloseStoreForm,
    DepositForm,
    LinkInviteForm,
    ProfileForm,
    SignupForm,
    StaffAddForm,
    StoreCreateForm,
    StoreSettingsForm,
    SubjectForm,
    TokenForm,
)
from .navigation import navigation_of
from .workbench import desk as workbench_desk


def _store(request, store_id: int, perm: str):
    """The store as the signed-in user may see it, or the HTTP refusal store_for decided on."""
    try:
        return store_for(request.user, store_id, perm)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        raise PermissionDenied(exc.message) from exc


def _action(request) -> str:
    return request.POST.get("action", "") if request.method == "POST" else ""


# ---------------------------------------------------------------------------------------- public


HOME_PRODUCTS = 12
HOME_STORES = 6


def home(request):
    """The buyer's first page: what is newly listed and the stores that sell the most (the
    discovery feed takes this place when it exists), and how to open a store."""
    context = {
        "platform_rules": store_selectors.platform_rules(),
        "products": catalog_selectors.newest_listed(HOME_PRODUCTS),
        "stores": catalog_selectors.stores_with_listings(HOME_STORES),
    }
    return render(request, "web/home.html", context)


@login_required
def start(request):
    """Where sign-in leads: each role to its own first page (web.navigation.Navigation.landing)."""
    return redirect(navigation_of(request.user).landing())


@login_required
@require_GET
def workbench(request):
    """The merchant's workbench across stores: each store's to-dos and takings; with one store,
    that store's workbench."""
    nav = navigation_of(request.user)
    if not nav.roles:
        return redirect("web:my_stores")
    if len(nav.roles) == 1:
        return redirect("web:store_workbench", store_id=next(iter(nav.roles)))
    stores = {s.pk: s for s in store_selectors.stores_of(request.user)}
    desks = [workbench_desk(stores[pk], role) for pk, role in sorted(nav.roles.items()) if pk in stores]
    return render(request, "web/workbench.html", {"desks": desks})


@login_required
@require_GET
def store_workbench(request, store_id: int):
    store = _store(request, store_id, Perm.VIEW)
    return render(request, "web/store_workbench.html", {"desk": workbench_desk(store, store.viewer_role)})


@login_required
@require_GET
def ops(request):
    """The operators' page: each queue with how much waits in it."""
    if not request.user.is_staff:
        raise Http404
    queues = [
        {
            "key": "disputes",
            "label": _("售后纠纷仲裁"),
            "count": aftersales_selectors.disputes_for_operator(request.user).count(),
            "url": reverse("aftersales:disputes"),
        },
        {
            "key": "complaints",
            "label": _("投诉处理"),
            "count": complaint_selectors.queue().count(),
            "url": reverse("complaints:queue"),
        },
        {
            "key": "subjects",
            "label": _("经营主体审核"),
            "count": account_selectors.subjects_awaiting_verification(),
            "url": reverse("admin:accounts_subject_changelist") + "?verification__exact=pending",
        },
        {
            "key": "brands",
            "label": _("品牌授权审核"),
            "count": store_selectors.brand_authorizations_awaiting_review(),
            "url": reverse("admin:stores_brandauthorization_changelist") + "?status__exact=pending",
        },
    ]
    return render(request, "web/ops.html", {"queues": queues})


@require_http_methods(["GET", "POST"])
@throttle.answers_rate_limited
def signup(request):
    if request.user.is_authenticated:
        return redirect("web:start")
    if request.method == "POST":
        throttle.hit(REGISTER_PER_ADDRESS, throttle.client_address(request))
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = account_services.register_user(
                username=data["username"], password=data["password"], display_name=data["display_name"]
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("欢迎加入小店！先添加一个经营主体，就能开店了。"))
            return redirect("web:subjects")
    return render(request, "web/signup.html", {"form": form})


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "label_suffix": ""}

    def post(self, request, *args, **kwargs):
        try:
            count_sign_in(request, request.POST.get("username", ""))  # before the form checks the password
        except throttle.RateLimited as exc:
            return throttle.page_refusal(exc)
        return super().post(request, *args, **kwargs)


# ------------------------------------------------------------------------------------- accounts


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    user = request.user
    form = ProfileForm(
        request.POST or None, request.FILES or None, initial={"display_name": user.display_name}
    )
    if request.method == "POST" and form.is_valid():
        try:
            account_services.update_profile(
                user=user, display_name=form.cleaned_data["display_name"], avatar=form.cleaned_data["avatar"]
            )
        except DomainError as exc:
            form.add_domain_error(exc)
            user.refresh_from_db(fields=["display_name", "avatar"])
        else:
            messages.success(request, _("个人资料已保存。"))
            return redirect("web:profile")
    return render(request, "web/profile.html", {"form": form})


@never_cache  # the page shows a new token's secret once; no cache may keep it
@login_required
@require_http_methods(["GET", "POST"])
@throttle.answers_rate_limited
def tokens(request):
    action = _action(request)
    form = TokenForm(request.POST if action == "create" else None)
    new_secret = None
    if action == "create" and form.is_valid():
        throttle.hit(TOKEN_CREATE_PER_USER, request.user.pk)
        _token, new_secret = account_services.issue_token(user=request.user, name=form.cleaned_data["name"])
        form = TokenForm()
    elif action == "revoke":
        try:
            token = account_services.revoke_token(
                user=request.user, token_id=int(request.POST.get("token_id", 0))
            )
        except (DomainError, ValueError) as exc:
            raise Http404 from exc
        messages.success(request, _("令牌“%(name)s”已撤销。") % {"name": token.name})
        return redirect("web:tokens")
    context = {"form": form, "tokens": account_selectors.tokens_of(request.user), "new_secret": new_secret}
    return render(request, "web/tokens.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def subjects(request):
    action = _action(request)
    form = SubjectForm(request.POST if action == "subject" else None)
    brand_form, brand_subject_id = None, None
    if action == "subject" and form.is_valid():
        try:
            subject = account_services.create_subject(owner=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("主体“%(name)s”已添加，等待平台审核。") % {"name": subject.name})
            return redirect("web:subjects")
    elif action == "brand":
        subject = _own_subject(request)
        brand_form, brand_subject_id = (
            BrandAuthorizationForm(request.POST, prefix=_brand_prefix(subject.pk)),
            subject.pk,
        )
        if brand_form.is_valid():
            try:
                store_services.request_brand_authorization(subject=subject, **brand_form.cleaned_data)
            except DomainError as exc:
                brand_form.add_domain_error(exc)
            else:
                messages.success(request, _("品牌授权申请已提交，等待平台审核。"))
                return redirect("web:subjects")
    my_subjects = list(account_selectors.subjects_of(request.user))
    by_subject: dict[int, list] = {}
    for authorization in store_selectors.brand_authorizations_of_owner(request.user):
        by_subject.setdefault(authorization.subject_id, []).append(authorization)
    for subject in my_subjects:
        subject.authorizations = by_subject.get(subject.pk, [])
        if subject.pk == brand_subject_id:
            subject.brand_form = brand_form
        else:
            subject.brand_form = BrandAuthorizationForm(prefix=_brand_prefix(subject.pk))
    return render(request, "web/subjects.html", {"form": form, "subjects": my_subjects})


def _brand_prefix(subject_id: int) -> str:
    """One brand form per subject on the page; the prefix keeps their fields apart."""
    return f"brand-{subject_id}"


def _own_subject(request):
    try:
        return account_selectors.subject_for(request.user, int(request.POST.get("subject_id", 0)))
    except (DomainError, ValueError) as exc:
        raise Http404 from exc


# --------------------------------------------------------------------------------------- stores


def _my_stores(user) -> list:
    stores = list(store_selectors.stores_of(user))
    roles = store_selectors.store_roles(user)
    for store in stores:
        store.viewer_role = roles.get(store.pk)
    return stores


@login_required
@require_http_methods(["GET", "POST"])
def my_stores(request):
    """The user's stores and the create-store form; htmx swaps the form (and the list) in place."""
    subjects = list(account_selectors.subjects_of(request.user))
    tree = store_selectors.CategoryTree()
    form = StoreCreateForm(request.POST or None, subjects=subjects, tree=tree)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = store_services.create_store(user=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            if not request.htmx:
                messages.success(request, _("店铺“%(name)s”已创建。") % {"name": created.name})
                return redirect("web:my_stores")
            form = StoreCreateForm(subjects=subjects, tree=tree)
    context = {"form": form, "subjects": subjects, "created": created}
    if request.htmx and request.method == "POST":
        if created is not None:
            context["stores"] = _my_stores(request.user)
        return render(request, "web/partials/store_form_response.html", context)
    context["stores"] = _my_stores(request.user)
    return render(request, "web/my_stores.html", context)


_SETTINGS_PERMS = {
    "": Perm.VIEW,
    "update": Perm.MANAGE_STORE,
    "upgrade": Perm.MANAGE_STORE,
    "close": Perm.MANAGE_STORE,
    "deposit": Perm.FINANCE,
}


@login_required
@require_http_methods(["GET", "POST"])
def store_settings(request, store_id: int):
    """Name, description and main category; upgrade; category deposits; closing."""
    action = _action(request)
    if action not in _SETTINGS_PERMS:
        raise Http404
    store = _store(request, store_id, _SETTINGS_PERMS[action])
    tree = store_selectors.CategoryTree()
    initial = {
        "name": store.name,
        "description": store.description,
        "main_category_id": store.main_category_id,
    }
    form = StoreSettingsForm(request.POST if action == "update" else None, initial=initial, tree=tree)
    deposit_form = DepositForm(request.POST if action == "deposit" else None)
    close_form = CloseStoreForm(request.POST if action == "close" else None)
    bound = {"update": form, "deposit": deposit_form, "close": close_form}.get(action)
    if action == "upgrade" or (bound is not None and bound.is_valid()):
        try:
            done, next_url = _settings_action(store, action, bound)
        except DomainError as exc:
            (bound or form).add_domain_error(exc)
            store = _store(request, store_id, Perm.VIEW)  # a refused write may have touched the instance
        else:
            messages.success(request, done)
            return redirect(next_url or reverse("web:store_settings", args=[store.pk]))
    context = {
        "store": store,
        "form": form,
        "deposit_form": deposit_form,
        "close_form": close_form,
        "deposit_rows": store_selectors.deposit_rows(store, tree),
        "platform_rules": store_selectors.platform_rules(),
        "touchpoints": touchpoints.report(store),
        "may": {
            "manage_store": can(store, Perm.MANAGE_STORE),
            "finance": can(store, Perm.FINANCE),
            "manage_staff": can(store, Perm.MANAGE_STAFF),
        },
    }
    return render(request, "web/store_settings.html", context)


def _settings_action(store, action: str, form) -> tuple[str, str | None]:
    """Run one settings action: the message to show when it worked, and where to go next."""
    if action == "update":
        store_services.update_store(store=store, **form.cleaned_data)
        return _("店铺设置已保存。"), None
    if action == "upgrade":
        store_services.upgrade_store(store=store)
        return _("店铺已升级。"), None
    if action == "deposit":
        deposit = store_services.pay_deposit(store=store, category_id=form.cleaned_data["category_id"])
        if deposit.status == DepositStatus.PAID:
            return _("“%(category)s”类目保证金已缴纳。") % {"category": deposit.category.name}, None
        # Pending at WeChat Pay: the payer confirms on the pay page, which comes back here.
        back = reverse("web:store_settings", args=[store.pk])
        pay = payment_services.pay_url(payment_selectors.deposit_payment(deposit.pk))
        return _("请完成“%(category)s”类目保证金的支付。") % {
            "category": deposit.category.name
        }, f"{pay}?return={back}"
    closed = store_services.close_store(store=store)
    if closed.state == StoreState.CLOSED:
        return _("店铺已关闭。"), None
    return _("店铺关店中：保证金退回后关闭。"), None


@login_required
@require_http_methods(["GET", "POST"])
def store_staff(request, store_id: int):
    store = _store(request, store_id, Perm.MANAGE_STAFF)
    grantable = GRANTABLE_BY.get(store.viewer_role, frozenset())
    action = _action(request)
    form = StaffAddForm(request.POST if action == "add" else None, grantable=grantable)
    if action == "add" and form.is_valid():
        try:
            member = account_selectors.active_user_by_username(form.cleaned_data["username"])
            store_services.add_staff(store=store, user_id=member.pk, role=form.cleaned_data["role"])
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("已添加员工 %(username)s。") % {"username": member.username})
            return redirect("web:store_staff", store_id=store.pk)
    elif action == "remove":
        try:
            store_services.remove_staff(store=store, staff_id=int(request.POST.get("staff_id", 0)))
        except ValueError as exc:
            raise Http404 from exc
        except DomainError as exc:
            if exc.status == 404:
                raise Http404 from exc
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已移除该员工。"))
        return redirect("web:store_staff", store_id=store.pk)
    context = {"store": store, "form": form, "staff": store_selectors.staff_of(store), "grantable": grantable}
    return render(request, "web/store_staff.html", context)


# ------------------------------------------------------------------------------ linked accounts


def _link_answer(request, link_id: str, action: str) -> None:
    """Run accept / reject / unbind on a posted link id, with its outcome as a message."""
    answer, done = _LINK_ANSWERS[action]
    try:
        answer(user=request.user, link_id=int(link_id))
    except ValueError as exc:
        raise Http404 from exc
    except DomainError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, done)


_LINK_ANSWERS = {
    "accept": (store_services.accept_link, gettext_lazy("已同意关联，账号主页将展示该店铺。")),
    "reject": (store_services.reject_link, gettext_lazy("已拒绝该邀请。")),
    "unbind": (store_services.unbind_link, gettext_lazy("已解除关联。")),
}


@login_required
@require_http_methods(["GET", "POST"])
def store_links(request, store_id: int):
    """The store's linked accounts: invite one, withdraw an invitation, unbind."""
    action = _action(request)
    store = _store(request, store_id, Perm.MANAGE_STORE if action else Perm.VIEW)
    form = LinkInviteForm(request.POST if action == "invite" else None)
    if action == "invite" and form.is_valid():
        kind = form.cleaned_data["kind"]
        account = content_selectors.find_account(kind, form.cleaned_data["account"])
        try:
            if account is None:
                raise DomainError("not_found", _("没有找到这个账号。"), field="account_id")
            link = store_services.invite_link(
                store=store, user=request.user, kind=kind, account_id=account.pk
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            if link.state == LinkState.BOUND:
                messages.success(request, _("你是该账号的所有者，已直接绑定。"))
            else:
                messages.success(
                    request,
                    _("邀请已发出，等待账号所有者确认（%(days)s 天内有效）。")
                    % {"days": LINK_INVITE_TTL.days},
                )
            return redirect("web:store_links", store_id=store.pk)
    elif action == "unbind":
        _link_answer(request, request.POST.get("link_id", ""), "unbind")
        return redirect("web:store_links", store_id=store.pk)
    elif action:
        raise Http404
    links = list(store_selectors.links_of(store))
    context = {
        "store": store,
        "form": form,
        "groups": [(label, [ln for ln in links if ln.kind == kind]) for kind, label in LinkKind.choices],
        "limit": store_selectors.platform_rules().links_per_kind,
        "ttl_days": LINK_INVITE_TTL.days,
        "may_manage": can(store, Perm.MANAGE_STORE),
    }
    return render(request, "web/store_links.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def my_links(request):
    """Invitations to the accounts I own, and the stores they are bound to."""
    action = _action(request)
    if action:
        if action not in _LINK_ANSWERS:
            raise Http404
        _link_answer(request, request.POST.get("link_id", ""), action)
        return redirect("web:my_links")
    links = list(store_selectors.invitations_for(request.user))
    context = {
        "waiting": [ln for ln in links if ln.shown_state == LinkState.INVITED],
        "bound": [ln for ln in links if ln.shown_state == LinkState.BOUND],
        "past": [ln for ln in links if ln.shown_state not in (LinkState.INVITED, LinkState.BOUND)],
        "ttl_days": LINK_INVITE_TTL.days,
    }
    return render(request, "web/my_links.html", context)
