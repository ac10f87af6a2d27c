"""The content pages: the owner's page (accounts, mini programs and the forms to create them),
the article editor, the video upload form, and the public article, video, account and mini
program pages. Each view parses a form, calls a service or a selector and renders; a refusal is
shown next to its field. Not yours, or a draft of someone else → 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiaodian.core.errors import DomainError
from xiaodian.core.pages import found_or_404, require_ids

from . import cards, rules, selectors, services
from .forms import AccountForm, ArticleForm, MiniProgramForm, VideoForm

PAGE_SIZE = 20


def _submit(form, write, **kwargs):
    """Call the service with the form's data; a refusal goes on the form. The result, or None."""
    if not form.is_valid():
        return None
    try:
        return write(**kwargs, **form.cleaned_data)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404 from exc
        form.add_domain_error(exc)
        return None


# --------------------------------------------------------------------------- the owner's page


def _mine(request, status=200, **forms):
    context = {
        **selectors.my_content(request.user),
        "official_form": forms.get("official_form") or AccountForm(prefix="official"),
        "video_form": forms.get("video_form") or AccountForm(prefix="video"),
        "program_form": forms.get("program_form") or MiniProgramForm(prefix="program"),
    }
    return render(request, "content/mine.html", context, status=status)


@login_required
@require_GET
def mine(request):
    """My official accounts, video accounts and mini programs, and the forms to add one."""
    return _mine(request)


@login_required
@require_POST
def create_official_account(request):
    form = AccountForm(request.POST, prefix="official")
    account = _submit(form, services.create_official_account, owner=request.user)
    if account is None:
        return _mine(request, 422, official_form=form)
    messages.success(request, _("公众号已创建。"))
    return redirect("content:official_account", account_id=account.pk)


@login_required
@require_POST
def create_video_account(request):
    form = AccountForm(request.POST, prefix="video")
    account = _submit(form, services.create_video_account, owner=request.user)
    if account is None:
        return _mine(request, 422, video_form=form)
    messages.success(request, _("视频号已创建。"))
    return redirect("content:video_account", account_id=account.pk)


@login_required
@require_POST
def create_mini_program(request):
    form = MiniProgramForm(request.POST, prefix="program")
    program = _submit(form, services.create_mini_program, owner=request.user)
    if program is None:
        return _mine(request, 422, program_form=form)
    messages.success(request, _("小程序已登记。"))
    return redirect("content:mini_program", program_id=program.pk)


# ----------------------------------------------------------------------------------- articles


@login_required
@require_http_methods(["GET", "POST"])
def article_editor(request, account_id: int):
    """Write a draft article in my official account."""
    require_ids(account_id)
    account = found_or_404(selectors.owned_official_account, request.user, account_id)
    form = ArticleForm(request.POST) if request.method == "POST" else ArticleForm()
    if request.method == "POST":
        article = _submit(form, services.create_article, owner=request.user, account_id=account.pk)
        if article is not None:
            messages.success(request, _("草稿已保存，预览后即可发布。"))
            return redirect("content:article", article_id=article.pk)
    status = 422 if form.is_bound else 200
    return render(request, "content/article_editor.html", {"account": account, "form": form}, status=status)


@require_GET
def article(request, article_id: int):
    """A published article (a view is counted), or the owner's draft with its publish button."""
    require_ids(article_id)
    item = found_or_404(selectors.article_for, request.user, article_id)
    is_owner = selectors.is_owner(request.user, item.account)
    if item.state == rules.State.PUBLISHED and not is_owner:
        services.record_view(item=item)
        item.view_count += 1
    context = {
        "article": item,
        "body": cards.render_article_body(item),
        "is_owner": is_owner,
        "liked": selectors.likes(request.user, item),
    }
    return render(request, "content/article.html", context)


@login_required
@require_POST
def publish_article(request, article_id: int):
    require_ids(article_id)
    try:
        services.publish_article(owner=request.user, article_id=article_id)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.info(request, exc.message)
    else:
        messages.success(request, _("文章已发布。"))
    return redirect("content:article", article_id=article_id)


@login_required
@require_POST
def like_article(request, article_id: int):
    """Like, or take the like back (the button toggles)."""
    require_ids(article_id)
    item = found_or_404(selectors.published_article, article_id)
    if not services.like_article(user=request.user, article=item):
        services.unlike_article(user=request.user, article=item)
    return redirect("content:article", article_id=article_id)


# ------------------------------------------------------------------------------------- videos


@login_required
@require_http_methods(["GET", "POST"])
def video_upload(request, account_id: int):
    """Upload a draft short video to my video account."""
    require_ids(account_id)
    account = found_or_404(selectors.owned_video_account, request.user, account_id)
    form = VideoForm(request.POST, request.FILES) if request.method == "POST" else VideoForm()
    if request.method == "POST":
        video = _submit(form, services.create_video, owner=request.user, account_id=account.pk)
        if video is not None:
            messages.success(request, _("视频已上传，预览后即可发布。"))
            return redirect("content:video", video_id=video.pk)
    status = 422 if form.is_bound else 200
    return render(request, "content/video_upload.html", {"account": account, "form": form}, status=status)


@require_GET
def video(request, video_id: int):
    require_ids(video_id)
    item = found_or_404(selectors.video_for, request.user, video_id)
    is_owner = selectors.is_owner(request.user, item.account)
    if item.state == rules.State.PUBLISHED and not is_owner:
        services.record_view(item=item)
        item.view_count += 1
    card = None
    if item.product_id:
        products = cards.resolve_products([item.product_id])
        card = cards.card(
            item.product_id,
            products.get(item.product_id),
            scene=rules.VIDEO_SCENE,
            source_type="video",
            source_id=item.pk,
        )
    context = {
        "video": item,
        "card": card,
        "is_owner": is_owner,
        "liked": selectors.likes(request.user, item),
    }
    return render(request, "content/video.html", context)


@login_required
@require_POST
def publish_video(request, video_id: int):
    require_ids(video_id)
    try:
        services.publish_video(owner=request.user, video_id=video_id)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.info(request, exc.message)
    else:
        messages.success(request, _("视频已发布。"))
    return redirect("content:video", video_id=video_id)


@login_required
@require_POST
def like_video(request, video_id: int):
    require_ids(video_id)
    item = found_or_404(selectors.published_video, video_id)
    if not services.like_video(user=request.user, video=item):
        services.unlike_video(user=request.user, video=item)
    return redirect("content:video", video_id=video_id)


# --------------------------------------------------------------------------- account profiles


@require_GET
def official_account(request, account_id: int):
    """The profile: name, intro, articles; the follower count for the owner only."""
    require_ids(account_id)
    account = found_or_404(selectors.official_account, account_id)
    context = {
        "account": account,
        "kind": "official",
        "is_owner": selectors.is_owner(request.user, account),
        "following": selectors.follows(request.user, account),
        "items": list(selectors.account_articles(account, request.user)[:PAGE_SIZE]),
        "stores": cards.store_entries("official_account", account.pk),
    }
    return render(request, "content/account.html", context)


@require_GET
def video_account(request, account_id: int):
    require_ids(account_id)
    account = found_or_404(selectors.video_account, account_id)
    context = {
        "account": account,
        "kind": "video",
        "is_owner": selectors.is_owner(request.user, account),
        "following": selectors.follows(request.user, account),
        "items": list(selectors.account_videos(account, request.user)[:PAGE_SIZE]),
        "stores": cards.store_entries("video_account", account.pk),
        "live_rooms": cards.live_rooms(account.pk),
        "showcase": cards.showcase(account.pk),
    }
    return render(request, "content/account.html", context)


@login_required
@require_POST
def follow_official_account(request, account_id: int):
    """Follow, or unfollow when already following (the button toggles)."""
    require_ids(account_id)
    account = found_or_404(selectors.official_account, account_id)
    if not services.follow_official_account(user=request.user, account=account):
        services.unfollow_official_account(user=request.user, account=account)
    return redirect("content:official_account", account_id=account_id)


@login_required
@require_POST
def follow_video_account(request, account_id: int):
    require_ids(account_id)
    account = found_or_404(selectors.video_account, account_id)
    if not services.follow_video_account(user=request.user, account=account):
        services.unfollow_video_account(user=request.user, account=account)
    return redirect("content:video_account", account_id=account_id)


@require_GET
def mini_program(request, program_id: int):
    require_ids(program_id)
    program = found_or_404(selectors.mini_program, program_id)
    context = {"program": program, "stores": cards.store_entries("mini_program", program.pk)}
    return render(request, "content/mini_program.html", context)
