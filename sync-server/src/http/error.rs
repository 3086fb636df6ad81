use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use walkbook_core::sync::ErrorBody;

/// An HTTP error with a machine code and a message for a person.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    /// 413: a request body over the server's limit.
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "the request body is larger than the server's limit of {limit} bytes; sync fewer documents per request"
            ),
        )
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server hit an internal error; try again",
        )
    }
}

/// Whether a server-side error is a lock held elsewhere (retry soon) rather
/// than a fault.
pub trait Busy {
    fn is_busy(&self) -> bool;
}

fn sqlite_busy(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.code == rusqlite::ErrorCode::DatabaseBusy || f.code == rusqlite::ErrorCode::DatabaseLocked)
}

impl Busy for walkbook_core::store::StoreError {
    fn is_busy(&self) -> bool {
        matches!(self, walkbook_core::store::StoreError::Sqlite(e) if sqlite_busy(e))
    }
}

impl Busy for crate::db::DbError {
    fn is_busy(&self) -> bool {
        match self {
            crate::db::DbError::Sqlite(e) => sqlite_busy(e),
            crate::db::DbError::Store(e) => e.is_busy(),
            crate::db::DbError::Unavailable(_) => true,
            _ => false,
        }
    }
}

impl Busy for crate::admin::AdminError {
    fn is_busy(&self) -> bool {
        match self {
            crate::admin::AdminError::Db(e) => e.is_busy(),
            crate::admin::AdminError::Store(e) => e.is_busy(),
            _ => false,
        }
    }
}

impl ApiError {
    /// A server-side error: 503 `busy` (with the client retrying) when a
    /// lock is held elsewhere, otherwise a logged 500.
    pub fn fault<E: Busy + std::fmt::Display>(e: E) -> Self {
        if e.is_busy() {
            tracing::warn!(error = %e, "store busy");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "the server is busy; try again in a moment",
            )
        } else {
            ApiError::internal(e)
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let busy = self.status == StatusCode::SERVICE_UNAVAILABLE;
        let mut resp = (
            self.status,
            Json(ErrorBody {
                error: self.code.to_string(),
                message: self.message,
            }),
        )
            .into_response();
        if busy {
            resp.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("1"),
            );
        }
        resp
    }
}

/// Store errors sorted once: what the client sent wrong is a 4xx it must
/// fix; anything else (disk, SQLite, a damaged store) is a 5xx the client
/// retries, and it is logged here.
impl From<walkbook_core::store::StoreError> for ApiError {
    fn from(e: walkbook_core::store::StoreError) -> Self {
        use walkbook_core::store::StoreError as E;
        match &e {
            E::Document { .. } | E::InvalidAttempt(_) => ApiError::bad_request(e.to_string()),
            _ => ApiError::fault(e),
        }
    }
}

/// Store-layer errors: a store error keeps its 4xx/5xx sorting; the rest
/// are server-side (503 when retryable).
impl From<crate::db::DbError> for ApiError {
    fn from(e: crate::db::DbError) -> Self {
        match e {
            crate::db::DbError::Store(e) => e.into(),
            other => ApiError::fault(other),
        }
    }
}
