//! Signing in with the municipality's OpenID provider (Entra ID's v2.0 endpoint or any other):
//! the authorisation-code flow with PKCE, state and nonce, and the ID token verified against the
//! keys the provider publishes — all by the `openidconnect` crate, none of it by hand.
//!
//! The provider's metadata and keys are fetched at the first sign-in and again an hour later,
//! so the server starts while the provider is unreachable. An ID token signed with a key that is
//! not among those fetched makes them be fetched again at once (the crate's advice for key
//! rotation), so a provider that has just rotated its keys does not lock people out for an hour.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, IssuerUrl,
    Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, SignatureVerificationError,
    TokenResponse, reqwest,
};

use crate::config::AuthArgs;

const METADATA_FOR: Duration = Duration::from_secs(3600);

/// The configured provider.
pub struct Oidc {
    issuer: IssuerUrl,
    client_id: ClientId,
    client_secret: Option<ClientSecret>,
    redirect: RedirectUrl,
    /// `email` or `preferred_username`.
    pub claim: String,
    /// The sign-in button's text.
    pub label: String,
    http: reqwest::Client,
    metadata: Mutex<Option<(Instant, CoreProviderMetadata)>>,
}

/// Where the provider sends the browser back.
pub const CALLBACK_PATH: &str = "/log-ind/oidc/retur";

/// A sign-in under way: the browser goes to `url`; the rest is kept on the server.
pub struct Started {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// Why a sign-in with the provider failed (logged; the person sees a Danish page).
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("the OpenID provider could not be reached or described itself wrongly: {0}")]
    Discovery(String),
    #[error("the provider refused the code: {0}")]
    Exchange(String),
    #[error("the ID token is not valid: {0}")]
    IdToken(String),
    #[error("the ID token has no {0} claim")]
    MissingClaim(String),
    #[error("the provider says the e-mail address {0} is not verified")]
    UnverifiedEmail(String),
}

impl Oidc {
    /// From the configuration: `None` when no issuer is set; an error when it is half set.
    pub fn from_args(a: &AuthArgs, public_url: &str) -> anyhow::Result<Option<Self>> {
        let Some(issuer) = a
            .oidc_issuer
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        else {
            return Ok(None);
        };
        let client_id = a
            .oidc_client_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                anyhow::anyhow!("KLIMASPOR_OIDC_ISSUER is set, but KLIMASPOR_OIDC_CLIENT_ID is not")
            })?;
        let issuer = IssuerUrl::new(issuer.to_string())
            .map_err(|e| anyhow::anyhow!("KLIMASPOR_OIDC_ISSUER: {e}"))?;
        let redirect = RedirectUrl::new(format!(
            "{}{CALLBACK_PATH}",
            public_url.trim_end_matches('/')
        ))
        .map_err(|e| anyhow::anyhow!("KLIMASPOR_PUBLIC_URL: {e}"))?;
        let http = reqwest::ClientBuilder::new()
            // The crate's advice: never follow redirects (SSRF).
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(15))
            .build()?;
        Ok(Some(Self {
            issuer,
            client_id: ClientId::new(client_id.to_string()),
            client_secret: a
                .oidc_client_secret
                .as_ref()
                .map(|s| s.expose().to_string())
                .filter(|s| !s.is_empty())
                .map(ClientSecret::new),
            redirect,
            claim: a.oidc_claim.clone(),
            label: a.oidc_label.clone(),
            http,
            metadata: Mutex::new(None),
        }))
    }

    /// The provider's metadata with its keys: the copy fetched within the hour, unless `fresh`.
    async fn metadata(&self, fresh: bool) -> Result<CoreProviderMetadata, OidcError> {
        if !fresh
            && let Ok(guard) = self.metadata.lock()
            && let Some((at, m)) = guard.as_ref()
            && at.elapsed() < METADATA_FOR
        {
            return Ok(m.clone());
        }
        let m = CoreProviderMetadata::discover_async(self.issuer.clone(), &self.http)
            .await
            .map_err(|e| OidcError::Discovery(error_chain(&e)))?;
        if let Ok(mut guard) = self.metadata.lock() {
            *guard = Some((Instant::now(), m.clone()));
        }
        Ok(m)
    }

    fn client(
        &self,
        m: CoreProviderMetadata,
    ) -> openidconnect::core::CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    > {
        CoreClient::from_provider_metadata(m, self.client_id.clone(), self.client_secret.clone())
            .set_redirect_uri(self.redirect.clone())
    }

    /// Start a sign-in: the provider's URL with state, nonce and the PKCE challenge.
    pub async fn start(&self) -> Result<Started, OidcError> {
        let client = self.client(self.metadata(false).await?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge)
            .url();
        Ok(Started {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Finish a sign-in: exchange the code (with the PKCE verifier), verify the ID token's
    /// signature, issuer, audience, expiry and nonce, and return the configured claim. An
    /// e-mail address the provider marks as not verified (`email_verified: false`) is refused,
    /// because anyone could have typed it.
    pub async fn finish(
        &self,
        code: String,
        nonce: String,
        pkce_verifier: String,
    ) -> Result<String, OidcError> {
        let client = self.client(self.metadata(false).await?);
        let response = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| OidcError::Exchange(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier))
            .request_async(&self.http)
            .await
            .map_err(|e| OidcError::Exchange(error_chain(&e)))?;
        let id_token = response
            .id_token()
            .ok_or_else(|| OidcError::IdToken("the provider sent no ID token".into()))?;
        let nonce = Nonce::new(nonce);
        let claims = match id_token.claims(&client.id_token_verifier(), &nonce) {
            Ok(claims) => claims,
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) => {
                // Signed with a key published since ours were fetched: fetch them again, once.
                // The token came straight from the provider's token endpoint, so nobody else
                // can make us fetch.
                tracing::info!("the ID token's key is new: fetching the provider's keys again");
                let fresh = self.client(self.metadata(true).await?);
                id_token
                    .claims(&fresh.id_token_verifier(), &nonce)
                    .map_err(|e| OidcError::IdToken(e.to_string()))?
            }
            Err(e) => return Err(OidcError::IdToken(e.to_string())),
        };
        let value = match self.claim.as_str() {
            "preferred_username" => claims.preferred_username().map(|u| u.as_str().to_string()),
            _ => {
                let email = claims.email().map(|e| e.as_str().to_string());
                if let Some(e) = &email
                    && claims.email_verified() == Some(false)
                {
                    return Err(OidcError::UnverifiedEmail(e.clone()));
                }
                email
            }
        };
        value.ok_or_else(|| OidcError::MissingClaim(self.claim.clone()))
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}
