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

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(ErrorBody {
                error: self.code.to_string(),
                message: self.message,
            }),
        )
            .into_response()
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
            E::Sqlite(rusqlite::Error::SqliteFailure(f, _))
                if f.code == rusqlite::ErrorCode::DatabaseBusy
                    || f.code == rusqlite::ErrorCode::DatabaseLocked =>
            {
                tracing::warn!(error = %e, "store busy");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "busy",
                    "the server is busy; try again in a moment",
                )
            }
            _ => ApiError::internal(e),
        }
    }
}
