from django.contrib.auth import authenticate
from ninja import File, Query, Router, UploadedFile

from xiaodian.core import throttle
from xiaodian.core.errors import DomainError
from xiaodian.core.openapi import refuses
from xiaodian.core.pagination import ObjectId, Page, PageParams, paginate
from xiaodian.core.permissions import require_operator

from . import rules, selectors, services
from .auth import count_sign_in
from .schemas import (
    ProfileIn,
    RegisterIn,
    RegisterOut,
    SubjectIn,
    SubjectOut,
    TokenIn,
    TokenInfo,
    TokenOut,
    UserOut,
    VerificationIn,
)

auth_router = Router(tags=["accounts"])
router = Router(tags=["accounts"])


@auth_router.post("/auth/register", response={201: RegisterOut}, auth=None)
@refuses("username_taken", "password_too_weak", "rate_limited")
def register(request, body: RegisterIn):
    throttle.hit(rules.REGISTER_PER_ADDRESS, throttle.client_address(request))
    user = services.register_user(**body.dict())
    _, secret = services.issue_token(user=user, name="register")
    return 201, {"id": user.pk, "token": secret}


@auth_router.post("/auth/token", response=TokenOut, auth=None)
@refuses("invalid_credentials", "rate_limited")
def obtain_token(request, body: TokenIn):
    count_sign_in(request, body.username)  # before the hash check: a flood stops here
    user = authenticate(request, username=body.username, password=body.password)
    if user is None:
        raise DomainError("invalid_credentials")
    _, secret = services.issue_token(user=user, name=body.name)
    return {"token": secret}


@router.get("/auth/tokens", response=Page[TokenInfo])
def list_tokens(request, page: Query[PageParams]):
    return paginate(selectors.tokens_of(request.auth), page)


@router.post("/auth/tokens/{token_id}/revoke", response=TokenInfo)
def revoke_token(request, token_id: ObjectId):
    return services.revoke_token(user=request.auth, token_id=token_id)


@router.get("/me", response=UserOut)
def me(request):
    return request.auth


@router.patch("/me", response=UserOut)
def update_me(request, body: ProfileIn):
    return services.update_profile(user=request.auth, display_name=body.display_name)


@router.post("/me/avatar", response=UserOut)
def upload_avatar(request, avatar: File[UploadedFile]):
    return services.update_profile(user=request.auth, avatar=avatar)


@router.post("/subjects", response={201: SubjectOut})
def create_subject(request, body: SubjectIn):
    return 201, services.create_subject(owner=request.auth, **body.dict())


@router.get("/subjects", response=Page[SubjectOut])
def list_subjects(request, page: Query[PageParams]):
    return paginate(selectors.subjects_of(request.auth), page)


@router.get("/subjects/{subject_id}", response=SubjectOut)
def get_subject(request, subject_id: ObjectId):
    return selectors.subject_for(request.auth, subject_id)


@router.post("/subjects/{subject_id}/verification", response=SubjectOut)
def verify_subject(request, subject_id: ObjectId, body: VerificationIn):
    subject = selectors.subject_for(request.auth, subject_id)
    require_operator(request.auth)
    return services.set_subject_verification(
        operator=request.auth, subject=subject, verification=body.verification
    )
