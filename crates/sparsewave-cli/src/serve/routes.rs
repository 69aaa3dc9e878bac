//! The HTTP surface: the page and its assets, the job API, and the guards every request passes
//! (the `Host` check against DNS rebinding, the upload limit).
//!
//! | route | answer |
//! | --- | --- |
//! | `GET /` , `/app.js`, `/style.css` | the page (embedded in the binary) |
//! | `GET /api/schema` | every command's parameters: names, kinds, choices, defaults |
//! | `POST /api/jobs` | multipart `file`, `params` (JSON), optional `clean`, `noise_clip` → `202 {"id"}` |
//! | `GET /api/jobs/{id}` | `{"state", "progress", "elapsed", "report", "error", "files", …}` |
//! | `GET /api/jobs/{id}/files/{name}` | one of the job's files |
//! | `DELETE /api/jobs/{id}` | forget the job, remove its files |

use super::jobs::{Inputs, Job};
use super::params::Params;
use super::registry::{Refusal, Registry};
use super::schema;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Multipart, Path as UrlPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use sparsewave::audio::decode_reader;
use sparsewave::{Audio, Error};
use std::sync::Arc;

/// What the handlers share.
pub struct AppState {
    /// The jobs.
    pub registry: Arc<Registry>,
    /// The largest upload (the whole request body), bytes.
    pub max_upload_bytes: u64,
    /// `Host` header values this server answers to (`127.0.0.1:8787`, `localhost:8787`, …);
    /// `None`: any host whose name is an IP address or `localhost` (bound to every interface).
    pub allowed_hosts: Option<Vec<String>>,
}

/// The application: routes, the upload limit and the `Host` guard.
pub fn app(state: Arc<AppState>) -> Router {
    // Multipart framing and the params part come on top of the file itself.
    let body_limit = usize::try_from(state.max_upload_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(64 * 1024);
    Router::new()
        .route("/", get(|| asset("text/html; charset=utf-8", INDEX_HTML)))
        .route(
            "/app.js",
            get(|| asset("text/javascript; charset=utf-8", APP_JS)),
        )
        .route(
            "/style.css",
            get(|| asset("text/css; charset=utf-8", STYLE_CSS)),
        )
        .route("/api/schema", get(get_schema))
        .route("/api/jobs", axum::routing::post(post_job))
        .route("/api/jobs/{id}", get(get_job).delete(delete_job))
        .route("/api/jobs/{id}/files/{name}", get(get_file))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "no such page or API route") })
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn_with_state(state.clone(), check_host))
        .with_state(state)
}

const INDEX_HTML: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const STYLE_CSS: &str = include_str!("assets/style.css");

async fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// `{"error": message}` with `status`.
fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({"error": message.into()}))).into_response()
}

/// Refuse a request whose `Host` is not this server's address: a page on another site that
/// resolves its own name to 127.0.0.1 (DNS rebinding) must not reach the API.
async fn check_host(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let allowed = match &state.allowed_hosts {
        Some(hosts) => hosts.contains(&host),
        None => is_ip_or_localhost(&host),
    };
    if allowed {
        return next.run(request).await;
    }
    error(
        StatusCode::FORBIDDEN,
        format!(
            "refused: the Host header '{host}' is not this server's address (DNS rebinding \
             protection); open the URL the server printed"
        ),
    )
}

/// `host[:port]` names an IP address literal or localhost.
fn is_ip_or_localhost(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(n, _)| n),
    };
    name == "localhost" || name.parse::<std::net::IpAddr>().is_ok()
}

async fn get_schema(State(state): State<Arc<AppState>>) -> Response {
    Json(schema::schema(state.max_upload_bytes)).into_response()
}

/// The parts of a job request.
#[derive(Default)]
struct Upload {
    file: Option<(String, Bytes)>,
    params: Option<String>,
    clean: Option<(String, Bytes)>,
    noise_clip: Option<(String, Bytes)>,
}

fn too_large(limit: u64) -> Response {
    error(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "upload too large: the limit is {} MB (sparsewave serve --max-upload-mb)",
            limit / (1024 * 1024)
        ),
    )
}

/// Read the multipart body; a body beyond the limit is a 413.
async fn read_upload(mut multipart: Multipart, limit: u64) -> Result<Upload, Response> {
    let mut upload = Upload::default();
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large(limit)
        } else {
            error(
                StatusCode::BAD_REQUEST,
                format!("cannot read the upload: {}", e.body_text()),
            )
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let part = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().unwrap_or("upload").to_string();
        let bytes = field.bytes().await.map_err(bad)?;
        match part.as_str() {
            "file" => upload.file = Some((file_name, bytes)),
            "clean" => upload.clean = Some((file_name, bytes)),
            "noise_clip" => upload.noise_clip = Some((file_name, bytes)),
            "params" => {
                upload.params = Some(String::from_utf8(bytes.to_vec()).map_err(|_| {
                    error(StatusCode::BAD_REQUEST, "invalid params: not UTF-8 text")
                })?)
            }
            other => {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    format!("unknown part '{other}'; expected file, params, clean, noise_clip"),
                ))
            }
        }
    }
    Ok(upload)
}

/// Decode an uploaded file with the library; errors name the file as the user sent it.
fn decode_upload(
    (name, bytes): (String, Bytes),
    mono: bool,
) -> sparsewave::Result<(String, Audio)> {
    let extension = std::path::Path::new(&name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_string();
    let audio = decode_reader(bytes.to_vec(), &extension)
        .map_err(|reason| Error::bad_input(&name, reason))?;
    let audio = if mono && audio.channel_count() > 1 {
        audio.downmix()
    } else {
        audio
    };
    Ok((name, audio))
}

/// Parameters checked and files decoded: the job and its inputs, or the library's error.
fn prepare(upload: Upload) -> sparsewave::Result<(Job, Inputs)> {
    let params = Params::from_json(upload.params.as_deref().unwrap_or("{}"))?;
    let job = Job::from_params(&params)?;
    let file = upload.file.ok_or_else(|| {
        Error::param(
            "file",
            "missing: send the audio as the multipart part 'file'",
        )
    })?;
    let (name, audio) = decode_upload(file, job.mono)?;
    let clean = upload
        .clean
        .map(|f| decode_upload(f, job.mono))
        .transpose()?;
    let noise_clip = upload
        .noise_clip
        .map(|f| decode_upload(f, false).map(|(_, a)| a))
        .transpose()?;
    let inputs = Inputs {
        name,
        audio,
        clean,
        noise_clip,
    };
    job.check(&inputs)?;
    Ok((job, inputs))
}

async fn post_job(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let limit = state.max_upload_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit.saturating_add(64 * 1024)) {
        return too_large(limit);
    }
    if let Err(refusal) = state.registry.check_capacity() {
        return refused(refusal);
    }
    let upload = match read_upload(multipart, limit).await {
        Ok(u) => u,
        Err(response) => return response,
    };
    let prepared = match tokio::task::spawn_blocking(move || prepare(upload)).await {
        Ok(p) => p,
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, format!("{e}")),
    };
    let (job, inputs) = match prepared {
        Ok(p) => p,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.to_string()),
    };
    match state.registry.submit(job, inputs) {
        Ok(id) => (StatusCode::ACCEPTED, Json(json!({"id": id}))).into_response(),
        Err(refusal) => refused(refusal),
    }
}

fn refused(refusal: Refusal) -> Response {
    match refusal {
        Refusal::QueueFull(n) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "the job queue is full ({n} jobs queued or running); try again when one finishes"
            ),
        ),
        Refusal::Io(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot create the job's folder: {e}"),
        ),
    }
}

async fn get_job(State(state): State<Arc<AppState>>, UrlPath(id): UrlPath<String>) -> Response {
    match state.registry.status(&id) {
        Some(status) => Json(status).into_response(),
        None => error(StatusCode::NOT_FOUND, format!("no job '{id}'")),
    }
}

async fn delete_job(State(state): State<Arc<AppState>>, UrlPath(id): UrlPath<String>) -> Response {
    if state.registry.delete(&id) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        error(StatusCode::NOT_FOUND, format!("no job '{id}'"))
    }
}

async fn get_file(
    State(state): State<Arc<AppState>>,
    UrlPath((id, name)): UrlPath<(String, String)>,
) -> Response {
    let Some(file) = state.registry.file(&id, &name) else {
        return error(
            StatusCode::NOT_FOUND,
            format!("job '{id}' has no file '{name}'"),
        );
    };
    let path = file.path.clone();
    // A figure is drawn the first time it is asked for.
    match tokio::task::spawn_blocking(move || file.ensure()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
    let content_type = match path.extension().and_then(|e| e.to_str()) {
        Some("wav") => "audio/wav",
        Some("png") => "image/png",
        Some("json") => "application/json",
        Some("csv") => "text/csv",
        _ => "application/octet-stream",
    };
    match tokio::fs::read(&path).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => error(StatusCode::NOT_FOUND, format!("{name}: {e}")),
    }
}
