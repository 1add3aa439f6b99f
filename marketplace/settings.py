"""Nanum settings: one module, driven by environment variables.

Nothing set gives the embedded default that `make run` starts on a laptop
(SQLite, in-memory channel layer and cache, console e-mail, DEBUG on).
DATABASE_URL, REDIS_URL, EMAIL_URL, SECRET_KEY, ALLOWED_HOSTS and
DJANGO_ENV=production switch to real services; README.md has the table.
"""

import os
import secrets
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from marketplace.channel_layers import memory_layer, redis_layer

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("NANUM_DATA_DIR", BASE_DIR / ".data"))
DATA_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()

DJANGO_ENV = env("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"
# pytest (8.2 and later) sets PYTEST_VERSION while it runs; the live server
# that browser tests start inherits it, so it behaves like the test process.
TESTING = "PYTEST_VERSION" in os.environ

DEBUG = env.bool("DEBUG", default=not PRODUCTION)


def _secret_key() -> str:
    key = env("SECRET_KEY", default="")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production settings (DJANGO_ENV=production) "
            "need a long random SECRET_KEY in the environment, e.g. "
            "SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(64))')"
        )
    # Development: generate one key per checkout and keep it, so sessions
    # survive a restart of `make run`.
    key_file = DATA_DIR / "dev-secret-key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    # third party
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.headless",
    "channels",
    "django_htmx",
    "csp",
    "huey.contrib.djhuey",
    # ours
    "accounts",
    "community_rules",
    "listings",
    "bookings",
    "payments",
    "messaging",
    "moderation",
    "figures",
    "frontend",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "marketplace.headers.ContentSecurityPolicy",
    "marketplace.headers.PermissionsPolicy",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # After the language is chosen: it is part of a kept answer's key.
    "marketplace.page_cache.AnonymousPageCache",
    "marketplace.limits.RequestLimits",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "frontend.middleware.DomainErrorPages",
    # Inside authentication and DRF, so it sees who the caller turned out to be.
    "marketplace.headers.NoStoreForSignedInAPI",
]

ROOT_URLCONF = "marketplace.urls"
WSGI_APPLICATION = "marketplace.wsgi.application"
ASGI_APPLICATION = "marketplace.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database -------------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'nanum.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock when a transaction starts, so two
    # bookings cannot both pass their overlap check (DESIGN.md).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file, not memory: the browser tests' server process and the
    # concurrency tests' threads must all see the same database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-nanum.sqlite3")}
else:
    # Tests close connections at once: worker threads must not keep the test
    # database open when it is dropped.
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if TESTING else env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # PostgreSQL compiles a query to machine code once its estimated cost is
    # high, as a search over a big city's listings is: ~60 ms of compiling
    # for a query that runs in tens (EXPLAIN ANALYZE at 300,000 listings),
    # paid again on every request. Worth it for reports, not for pages.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- cache, channel layer, task queue --------------------------------------

REDIS_URL = env("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "marketplace.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "nanum",
        },
    }
    CHANNEL_LAYERS = {"default": redis_layer(REDIS_URL)}  # marketplace/channel_layers.py
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "nanum",
        "url": REDIS_URL,
        "immediate": TESTING,
        "utc": True,
    }
else:
    CACHES = {"default": {"BACKEND": "marketplace.cache.LocMemCache"}}
    CHANNEL_LAYERS = {"default": memory_layer()}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "nanum",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": TESTING,
        "utc": True,
    }

# The kept pages: each process its own, in memory (marketplace/page_cache.py).
CACHES["pages"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                   "LOCATION": "pages", "OPTIONS": {"MAX_ENTRIES": 1000}}

# --- auth and accounts ------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env(
    "ACCOUNT_EMAIL_VERIFICATION", default="mandatory" if PRODUCTION else "optional"
)
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Nanum] "
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# An optional display name at sign-up (else "Neighbour 1234").
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupExtra"
# allauth hides whether an address has an account on password reset and, with
# mandatory verification, on sign-up (README, "Accounts and e-mail privacy").
# Not "strict": that would make a second account with the same address.
ACCOUNT_PREVENT_ENUMERATION = True
# allauth's rate limits stay on (its defaults); they live in the cache, which
# is Redis whenever REDIS_URL is set, so every process shares them.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env("RATE_LIMIT_LOGIN_FAILED", default="10/m/ip,5/5m/key"),
}

HEADLESS_CLIENTS = ("app",)
HEADLESS_ONLY = False

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Nanum"

# Social sign-in: each provider is switched on by setting its keys.
SOCIALACCOUNT_PROVIDERS = {}
for _provider in ("kakao", "naver", "google"):
    _client_id = env(f"{_provider.upper()}_CLIENT_ID", default="")
    if _client_id:
        INSTALLED_APPS.append(f"allauth.socialaccount.providers.{_provider}")
        SOCIALACCOUNT_PROVIDERS[_provider] = {
            "APPS": [
                {
                    "client_id": _client_id,
                    "secret": env(f"{_provider.upper()}_SECRET", default=""),
                }
            ]
        }

# --- API ------------------------------------------------------------------

# Bodies other than uploaded files: 1 MB (413 past it, marketplace.limits
# and marketplace.parsers.JSONParser). Photos keep their own 10 MB limit
# (marketplace.images); files never count against this one.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api_auth.SessionTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "marketplace.api.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": [
        "marketplace.throttles.AnonRateThrottle",
        "marketplace.throttles.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_RATE_ANON", default="120/minute"),
        "user": env("API_RATE_USER", default="1200/minute"),
        # The open figures, from the cache: per caller's address.
        "stats": env("API_RATE_STATS", default="600/minute"),
    },
    "EXCEPTION_HANDLER": "marketplace.api.exception_handler",
    # DRF's three, with a JSON parser that refuses what would crash it.
    "DEFAULT_PARSER_CLASSES": [
        "marketplace.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Nanum API",
    "DESCRIPTION": "Resource sharing for a sharing city. The contract is shared/API.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation's refusals, in the one error shape (marketplace.schema).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "marketplace.schema.document_refusals",
    ],
    # Several models have a `status`: name each choice set after its model.
    "ENUM_NAME_OVERRIDES": {
        "BookingStatusEnum": "bookings.models.Booking.Status",
        "ProposalStatusEnum": "community_rules.models.Proposal.Status",
        "MembershipStatusEnum": "community_rules.models.Membership.Status",
        "ListingStatusEnum": "listings.models.Listing.Status",
        "ExtensionStatusEnum": "bookings.models.Extension.Status",
        "CommunityVisibilityEnum": "community_rules.models.Community.Visibility",
        "ListingVisibilityEnum": "listings.models.Listing.Visibility",
        "ProposalActionEnum": "community_rules.models.Proposal.Action",
        "MembershipEventActionEnum": "community_rules.models.MembershipEvent.Action",
        "MembershipRoleEnum": "community_rules.models.Membership.Role",
        "CompanyStaffRoleEnum": "accounts.models.CompanyStaff.Role",
        "PaymentStatusEnum": "payments.models.Payment.Status",
        "PaymentKindEnum": "payments.models.Payment.Kind",
        "ListingKindEnum": "listings.models.Listing.Kind",
    },
}

# --- the marketplace ------------------------------------------------------

# Nanum's service fee on paid rentals, in percent (0: sharing at cost).
NANUM_SERVICE_FEE_PERCENT = env.int("NANUM_SERVICE_FEE_PERCENT", default=0)
# After a return the lender has this long to report damage before the booking
# completes by itself (and the deposit is released).
NANUM_INSPECTION_HOURS = env.int("NANUM_INSPECTION_HOURS", default=48)
# A booking starts at most this many days ahead, and lasts at most the
# listing's longest booking and never more than the platform's ceiling.
NANUM_BOOKING_HORIZON_DAYS = env.int("NANUM_BOOKING_HORIZON_DAYS", default=365)
NANUM_BOOKING_MAX_DAYS = env.int("NANUM_BOOKING_MAX_DAYS", default=90)
# External calendars are fetched by the server, only from public addresses
# (every redirect checked again), so a lender cannot make it probe the
# private network. ALLOWED_ADDRESSES lets named "host:port" pairs through
# (the tests' local servers); ALLOW_PRIVATE lets every private address in.
NANUM_CALENDAR_IMPORT_ALLOW_PRIVATE = env.bool("NANUM_CALENDAR_IMPORT_ALLOW_PRIVATE",
                                               default=False)
NANUM_CALENDAR_IMPORT_ALLOWED_ADDRESSES = env.list("NANUM_CALENDAR_IMPORT_ALLOWED_ADDRESSES",
                                                   default=[])
NANUM_CALENDAR_IMPORT_TIMEOUT_SECONDS = env.int("NANUM_CALENDAR_IMPORT_TIMEOUT_SECONDS",
                                                default=10)

# --- e-mail -----------------------------------------------------------------

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Nanum <noreply@nanum.example>")

# --- i18n -------------------------------------------------------------------

LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

# --- static and media -----------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(DATA_DIR / "media")))
# Listing and condition photos are never served raw from MEDIA_ROOT: a view
# checks who asks (frontend/views/media.py), then "" streams the file
# itself, "x-accel" lets nginx send it (X-Accel-Redirect to the internal
# location /protected-media/), "x-sendfile" lets Apache or lighttpd send it
# (X-Sendfile with the absolute path). README, "Running at scale".
NANUM_PROTECTED_MEDIA = env("NANUM_PROTECTED_MEDIA", default="")
if NANUM_PROTECTED_MEDIA not in ("", "x-accel", "x-sendfile"):
    raise ImproperlyConfigured(
        'NANUM_PROTECTED_MEDIA must be empty, "x-accel" or "x-sendfile".')
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Without collectstatic, serve straight from the apps' static folders.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

# --- payments -----------------------------------------------------------------

# Stripe when a secret key is set; offline payments (free loans, cash at
# pickup) otherwise. STRIPE_API_BASE points the stripe library at
# localstripe in tests and in `make run STRIPE=local`; Stripe.js is then
# localstripe's fake, served from the same base.
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env("STRIPE_API_BASE", default="")
# Seconds before a call to Stripe counts as failed (and is retried later).
STRIPE_TIMEOUT_SECONDS = env.int("STRIPE_TIMEOUT_SECONDS", default=20)
# Which module of payments/gateways runs: empty picks stripe or offline.
NANUM_PAYMENT_GATEWAY = env("NANUM_PAYMENT_GATEWAY", default="")
# Stripe Connect (Express accounts, transfers to lenders); without it staff
# settle lenders by hand from the payout report.
STRIPE_CONNECT = env.bool("STRIPE_CONNECT", default=False)
# An approved booking not paid within this many hours (and at the latest
# when it starts) lapses and frees its unit.
NANUM_PAYMENT_WINDOW_HOURS = env.int("NANUM_PAYMENT_WINDOW_HOURS", default=24)

# --- behind proxies -----------------------------------------------------------

# How many proxies stand in front of the app (nginx: 1; a load balancer and
# nginx: 2). The client's address is then read from X-Forwarded-For for the
# API throttles and allauth's rate limits (marketplace/clients.py); 0, the
# default, never reads the header (a client could write anything there).
NANUM_TRUSTED_PROXIES = env.int("NANUM_TRUSTED_PROXIES", default=0)

# --- sharing-city figures (figures/) ------------------------------------------

# How long /stats/ and /api/v1/stats/ answer from one computation.
STATS_CACHE_SECONDS = env.int("STATS_CACHE_SECONDS", default=300)

# Answers anyone would get, kept this many seconds in each process
# (marketplace/page_cache.py); 0 turns it off (the tests, but theirs of it).
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=0 if TESTING else 10)
PAGE_CACHE_ALIAS = "pages"
# A model of these apps saved or deleted starts a new generation of pages.
PAGE_CACHE_APPS = ("accounts", "community_rules", "listings", "bookings", "moderation",
                   "figures")
# The open-data licence the figures are published under: "KOGL-1" (Korea
# Open Government Licence, type 1: attribution) or "CC-BY-4.0".
STATS_LICENCE = env("STATS_LICENCE", default="KOGL-1")
if STATS_LICENCE not in ("KOGL-1", "CC-BY-4.0"):
    raise ImproperlyConfigured('STATS_LICENCE must be "KOGL-1" or "CC-BY-4.0".')

# --- security ---------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# SecurityMiddleware already sends Referrer-Policy: same-origin and
# Cross-Origin-Opener-Policy: same-origin (Django's defaults).

# Content-Security-Policy (django-csp, via marketplace.headers, which adds
# ws(s)://<this host> to connect-src for our sockets). Nothing inline: every
# script and style is a file from our own origin, so an injected <script> or
# on*= handler does not run. The Swagger page (/api/docs/) keeps this policy
# too (marketplace/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        # Stripe.js is added below when payments run through Stripe.
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}
# Stripe.js and its frames: the real ones, or localstripe's fake served
# from STRIPE_API_BASE (the only script not from our origin).
if STRIPE_SECRET_KEY:
    _stripe = ([STRIPE_API_BASE.rstrip("/")] if STRIPE_API_BASE
               else ["https://js.stripe.com", "https://api.stripe.com"])
    _frames = [] if STRIPE_API_BASE else ["https://js.stripe.com", "https://hooks.stripe.com"]
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["script-src"] += _stripe
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["connect-src"] += _stripe
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["frame-src"] = ["'self'", *_frames]
# Social sign-in posts a form that redirects to the provider, and browsers
# check form-action on that redirect too.
_SIGN_IN_ORIGINS = {"kakao": "https://kauth.kakao.com", "naver": "https://nid.naver.com",
                    "google": "https://accounts.google.com"}
CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"] += [
    _SIGN_IN_ORIGINS[provider] for provider in SOCIALACCOUNT_PROVIDERS]
# Permissions-Policy (marketplace.headers): only what a page may ask for.
PERMISSIONS_POLICY = {
    "camera": [],
    "microphone": [],
    "geolocation": ["self"],
    "payment": ["self"],
    "usb": [],
}
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "daphne": {"level": "WARNING"},
        "huey": {"level": "WARNING"},
        # The stripe library logs every API call at INFO.
        "stripe": {"level": "WARNING"},
    },
}

