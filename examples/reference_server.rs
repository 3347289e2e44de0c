//! The reference limit for the load benchmark: the same response bytes served from memory by
//! a minimal actix-web handler, so klimaspor's numbers can be read as a share of what this
//! machine can do at all.
//!
//!     cargo run --release --example reference_server -- PORT FILE

use actix_web::{App, HttpResponse, HttpServer, web};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(18999);
    let file = args.next().unwrap_or_else(|| "response.json".into());
    let body = web::Bytes::from(std::fs::read(&file)?);
    HttpServer::new(move || {
        let body = body.clone();
        App::new().default_service(web::to(move || {
            let body = body.clone();
            async move {
                HttpResponse::Ok()
                    .content_type("application/json")
                    .body(body)
            }
        }))
    })
    .bind(("127.0.0.1", port))?
    .run()
    .await
}
