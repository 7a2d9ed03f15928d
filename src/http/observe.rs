//! The outermost middleware: request ids, a tracing span per request, metrics, and panics turned into `500` problems.

use super::context::{AppState, RequestId};
use crate::error::ApiError;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage};
use futures_util::FutureExt;
use std::panic::AssertUnwindSafe;
use std::time::Instant;
use tracing::Instrument;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Accepts a caller's request id if it is short printable ASCII; otherwise makes one.
fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let started = Instant::now();
    let id = request_id(&req);
    req.extensions_mut().insert(RequestId(id.clone()));
    let metrics = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.metrics.clone());
    let method = crate::metrics::method_label(req.method().as_str());
    // The route template is recorded once matched: a raw path names people (CRNs) in the logs.
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        %method,
        route = tracing::field::Empty
    );

    // The call is made inside the future so a panic while routing is caught too. No clone of
    // the request may be held across the call: actix needs sole ownership to route it.
    let outcome = AssertUnwindSafe(async move { next.call(req).await })
        .catch_unwind()
        .instrument(span.clone())
        .await;
    let mut response = match outcome {
        Ok(Ok(res)) => res.map_into_boxed_body(),
        Ok(Err(err)) => return Err(err),
        Err(_) => {
            span.in_scope(|| tracing::error!("handler panicked"));
            metrics_panic(metrics.as_deref(), method);
            return Err(ApiError::internal("handler panicked").into());
        }
    };
    if let Ok(value) = HeaderValue::from_str(&id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    let status = response.status().as_u16();
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_string());
    let elapsed = started.elapsed();
    if let Some(metrics) = metrics {
        metrics.observe(method, &route, status, elapsed);
    }
    span.record("route", route.as_str());
    span.in_scope(|| {
        tracing::info!(
            status,
            elapsed_ms = elapsed.as_secs_f64() * 1000.0,
            "request finished"
        )
    });
    Ok(response)
}

fn metrics_panic(metrics: Option<&crate::metrics::Metrics>, method: &str) {
    if let Some(m) = metrics {
        m.observe(method, "panicked", 500, std::time::Duration::ZERO);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::{middleware::from_fn, test, web, App, HttpResponse};

    async fn boom() -> HttpResponse {
        panic!("a bug in a handler")
    }

    #[actix_web::test]
    async fn a_panicking_handler_gives_a_500_problem_and_the_server_keeps_serving() {
        let app = test::init_service(
            App::new()
                .wrap(from_fn(observe))
                .route("/boom", web::get().to(boom))
                .route("/ok", web::get().to(HttpResponse::Ok)),
        )
        .await;
        let res =
            test::try_call_service(&app, test::TestRequest::get().uri("/boom").to_request()).await;
        let response = match res {
            Ok(r) => r.into_parts().1,
            Err(e) => e.error_response(),
        };
        assert_eq!(response.status().as_u16(), 500);
        let bytes = actix_web::body::to_bytes(response.into_body())
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("/problems/internal"), "{text}");
        assert!(!text.contains("a bug in a handler"), "{text}");
        let ok = test::call_service(&app, test::TestRequest::get().uri("/ok").to_request()).await;
        assert_eq!(ok.status().as_u16(), 200);
        assert!(ok.headers().contains_key(REQUEST_ID_HEADER));
    }
}
