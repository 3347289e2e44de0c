//! The JSON body extractor. Unlike `web::Json` it names the field that is wrong
//! ("progress: invalid type: string \"forty\", expected i64"), and it maps every failure to
//! the error policy: 415 not JSON (or compressed), 413 too large, 400 not parseable, 422 wrong
//! shape.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::config::MAX_BODY_BYTES;

/// A JSON request body. Extracting it never fails the request: what is wrong with the body
/// comes out of [`Body::into_inner`] in the handler, after the other extractors. actix polls a
/// handler's extractors together, and a body is often parsed before the token lookup returns;
/// an unknown token must be answered 401 whatever is wrong with the body.
pub struct Body<T>(Result<T, ApiError>);

impl<T> Body<T> {
    /// The parsed body, or the 4xx that says what is wrong with it.
    pub fn into_inner(self) -> Result<T, ApiError> {
        self.0
    }
}

/// The `Content-Encoding` of a body the server cannot read: it takes bodies uncompressed only
/// (they are small; the limit is 64 KiB).
fn compressed(req: &HttpRequest) -> Option<String> {
    let encoding = req.headers().get(header::CONTENT_ENCODING)?;
    let encoding = String::from_utf8_lossy(encoding.as_bytes())
        .trim()
        .to_string();
    (!encoding.eq_ignore_ascii_case("identity")).then_some(encoding)
}

fn is_json(req: &HttpRequest) -> bool {
    let Some(ct) = req.headers().get(header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(ct) = ct.to_str() else { return false };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parse a JSON document into `T`, naming the path of the first wrong value.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_data() {
            if path == "." {
                ApiError::Unprocessable(format!("invalid body: {inner}"))
            } else {
                ApiError::Unprocessable(format!("{path}: {inner}"))
            }
        } else {
            ApiError::BadRequest(format!("the body is not valid JSON: {inner}"))
        }
    })?;
    de.end()
        .map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))?;
    Ok(value)
}

impl<T: DeserializeOwned + 'static> FromRequest for Body<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if let Some(encoding) = compressed(req) {
            return Box::pin(async move {
                Ok(Body(Err(ApiError::UnsupportedMediaType(format!(
                    "the body is compressed (Content-Encoding: {encoding}); send it uncompressed"
                )))))
            });
        }
        if !is_json(req) {
            return Box::pin(async {
                Ok(Body(Err(ApiError::UnsupportedMediaType(
                    "send the body as JSON with 'Content-Type: application/json'".into(),
                ))))
            });
        }
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let parsed = bytes.await.map_err(|e| {
                if e.as_response_error().status_code()
                    == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE
                {
                    ApiError::PayloadTooLarge(format!(
                        "the body is larger than the limit of {MAX_BODY_BYTES} bytes"
                    ))
                } else {
                    ApiError::BadRequest(format!("could not read the body: {e}"))
                }
            });
            Ok(Body(parsed.and_then(|bytes| parse(&bytes))))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::ResponseError;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct B {
        progress: i64,
        inner: Option<Vec<u8>>,
    }

    fn status(r: Result<B, ApiError>) -> u16 {
        r.unwrap_err().status_code().as_u16()
    }

    #[test]
    fn wrong_values_name_their_field() {
        let e = parse::<B>(br#"{"progress": "forty"}"#).unwrap_err();
        assert_eq!(e.status_code().as_u16(), 422);
        assert!(e.to_string().starts_with("progress:"), "{e}");
        let e = parse::<B>(br#"{"progress": 1, "inner": [1, 300]}"#).unwrap_err();
        assert!(e.to_string().starts_with("inner[1]:"), "{e}");
    }

    #[test]
    fn syntax_errors_are_400_and_shape_errors_422() {
        assert_eq!(status(parse(br#"{"progress": "#)), 400);
        assert_eq!(status(parse(br#"{"progress": 1} trailing"#)), 400);
        assert_eq!(status(parse(br#"{"progress": 1, "x": 2}"#)), 422);
        assert_eq!(status(parse(br#"[1]"#)), 422);
        assert!(parse::<B>(br#"{"progress": 1}"#).is_ok());
    }
}
