//! Signing people in: the lifetimes of links and sessions, the rate limits, and the secrets.
//! No I/O: the store keeps what these functions decide, the web layer sends and reads it.
//!
//! Every secret a browser holds (a sign-in link's, a session's) is 32 random bytes; the
//! database keeps only its SHA-256 ([`super::token::hash`]), so a copy of the database signs
//! nobody in. The CSRF token of a session is derived from the session's secret, so it needs no
//! storage and changes with the session.

use chrono::{Duration, NaiveDateTime};
use sha2::{Digest, Sha256};

use super::EmailAddress;

/// A sign-in link works this long, once.
pub const LINK_VALID_MINUTES: i64 = 15;
/// At most this many links per address per hour.
pub const LINKS_PER_ADDRESS_PER_HOUR: i64 = 5;
/// At most this many link requests from one client address per hour, known addresses or not.
pub const LINKS_PER_CLIENT_PER_HOUR: i64 = 20;
/// An OpenID Connect sign-in must come back from the provider within this.
pub const OIDC_FLOW_MINUTES: i64 = 10;

/// How long a session lives: `idle` after its last request, `absolute` after sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    pub idle: Duration,
    pub absolute: Duration,
}

impl Default for SessionLimits {
    fn default() -> Self {
        Self {
            idle: Duration::hours(8),
            absolute: Duration::days(7),
        }
    }
}

impl SessionLimits {
    pub fn new(idle_minutes: i64, absolute_hours: i64) -> Result<Self, super::DomainError> {
        if idle_minutes < 1 || absolute_hours < 1 || idle_minutes > absolute_hours * 60 {
            return Err(super::DomainError::new(
                "session",
                "the idle limit must be at least a minute and at most the absolute limit",
            ));
        }
        Ok(Self {
            idle: Duration::minutes(idle_minutes),
            absolute: Duration::hours(absolute_hours),
        })
    }

    /// Is a session signed in at `created` and last used at `last_seen` alive at `now`?
    pub fn alive(
        &self,
        created: NaiveDateTime,
        last_seen: NaiveDateTime,
        now: NaiveDateTime,
    ) -> bool {
        now < created + self.absolute && now < last_seen + self.idle
    }

    /// When the session ends if it is not used again.
    pub fn ends_at(&self, created: NaiveDateTime, last_seen: NaiveDateTime) -> NaiveDateTime {
        (created + self.absolute).min(last_seen + self.idle)
    }
}

/// A session's last-seen time is written at most this often (a request within it reads only).
pub const TOUCH_EVERY_SECONDS: i64 = 60;

/// Does a request at `now` need to move the session's last-seen time?
pub fn needs_touch(last_seen: NaiveDateTime, now: NaiveDateTime) -> bool {
    now - last_seen >= Duration::seconds(TOUCH_EVERY_SECONDS)
}

/// What a link request is answered with. The page says the same in every case, so that it
/// tells nobody whether an address is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkDecision {
    /// Known and active, within the limits: send a link.
    Send,
    /// Unknown or disabled address: record the request, send nothing.
    Unknown,
    /// Too many requests for this address or from this client.
    Limited,
}

/// The rule for a link request.
pub fn decide_link(
    known_and_active: bool,
    sent_to_address_last_hour: i64,
    from_client_last_hour: i64,
) -> LinkDecision {
    if sent_to_address_last_hour >= LINKS_PER_ADDRESS_PER_HOUR
        || from_client_last_hour >= LINKS_PER_CLIENT_PER_HOUR
    {
        LinkDecision::Limited
    } else if known_and_active {
        LinkDecision::Send
    } else {
        LinkDecision::Unknown
    }
}

/// An e-mail address as people are looked up by: trimmed and lower-cased.
pub fn normalise_email(s: &str) -> Result<String, super::DomainError> {
    Ok(EmailAddress::parse(s)?.as_str().to_lowercase())
}

/// 32 random bytes, URL-safe hex: a session's or a link's secret.
pub fn secret() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(hex::encode(bytes))
}

/// The CSRF token of the session whose secret is `session_secret`.
pub fn csrf_token(session_secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"klimaspor csrf v1\0");
    h.update(session_secret.as_bytes());
    hex::encode(h.finalize())
}

/// Compares two tokens in time independent of where they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: i64, m: i64) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            + Duration::hours(h)
            + Duration::minutes(m)
    }

    #[test]
    fn sessions_end_when_idle_and_after_a_week() {
        let l = SessionLimits::default();
        assert!(l.alive(t(0, 0), t(0, 0), t(7, 59)));
        assert!(!l.alive(t(0, 0), t(0, 0), t(8, 0)));
        // Used every few hours, it still ends seven days after sign-in.
        assert!(l.alive(t(0, 0), t(24 * 7 - 1, 0), t(24 * 7 - 1, 30)));
        assert!(!l.alive(t(0, 0), t(24 * 7 - 1, 0), t(24 * 7, 0)));
        assert_eq!(l.ends_at(t(0, 0), t(1, 0)), t(9, 0));
        assert!(SessionLimits::new(0, 1).is_err());
        assert!(SessionLimits::new(120, 1).is_err());
    }

    #[test]
    fn link_limits() {
        assert_eq!(decide_link(true, 0, 0), LinkDecision::Send);
        assert_eq!(decide_link(false, 0, 0), LinkDecision::Unknown);
        assert_eq!(decide_link(true, 5, 0), LinkDecision::Limited);
        assert_eq!(decide_link(true, 4, 0), LinkDecision::Send);
        assert_eq!(decide_link(false, 0, 20), LinkDecision::Limited);
    }

    #[test]
    fn secrets_and_csrf() {
        let a = secret().unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, secret().unwrap());
        assert_ne!(csrf_token(&a), a);
        assert_eq!(csrf_token(&a), csrf_token(&a));
        assert!(same_token("abc", "abc") && !same_token("abc", "abd") && !same_token("a", "ab"));
        assert_eq!(
            normalise_email(" Klima@Ballerup.DK ").unwrap(),
            "klima@ballerup.dk"
        );
    }
}
