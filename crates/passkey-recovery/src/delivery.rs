//! What the host delivers: a deep link only over a channel whose end-to-end encryption is
//! confirmed, an 8-digit code in the origin-bound one-time-code format otherwise, in text
//! from host templates (a default per language), with the TTL stated exactly.

use crate::code::OneTimeCode;
use crate::policy::Channel;
use crate::token::{link, CancelToken, DeliveredSecret, RecoveryHandle};
use passkey_verifier::UnixTime;

/// A message language with built-in default templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Language {
    /// English.
    #[default]
    En,
    /// German.
    De,
}

/// What the proof at completion is, as the message tells the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Confirmation {
    /// The user confirms with one of their passkeys.
    Passkey,
    /// The code or link alone completes this step.
    SecretAlone,
}

/// Message templates with the placeholders `{action}` (open the link or enter the code),
/// `{ttl}` (the validity, as [`Templates::duration`] writes it) and `{confirm}` (the
/// passkey sentence, or nothing). The origin-bound code line is appended by the crate, never
/// by the template, so it is always the message's last line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Templates {
    /// The recovery message.
    pub recovery: String,
    /// "open {link}".
    pub open_link: String,
    /// "enter the code {code}".
    pub enter_code: String,
    /// The sentence for [`Confirmation::Passkey`].
    pub confirm_passkey: String,
    /// The waiting-period notice: `{cancel}` is the one-tap cancel link, `{wait}` the time left.
    pub waiting_notice: String,
    /// Units: (singular, plural) of hours, minutes, seconds.
    pub units: [(String, String); 3],
}

impl Templates {
    /// The default templates for `language`.
    #[must_use]
    pub fn default_for(language: Language) -> Self {
        let s = |t: &str| t.to_owned();
        match language {
            Language::En => Self {
                recovery: s("Account recovery was requested. To continue, {action} within {ttl}.{confirm} \
                             If this was not you, ignore this message."),
                open_link: s("open {link}"),
                enter_code: s("enter the code {code}"),
                confirm_passkey: s(" You will confirm with one of your passkeys."),
                waiting_notice: s("Someone asked to recover your account without a passkey. It will be \
                                   recovered in {wait} unless you cancel: {cancel}"),
                units: [(s("hour"), s("hours")), (s("minute"), s("minutes")), (s("second"), s("seconds"))],
            },
            Language::De => Self {
                recovery: s("Eine Kontowiederherstellung wurde angefordert. Um fortzufahren, {action} \
                             innerhalb von {ttl}.{confirm} Falls Sie das nicht waren, ignorieren Sie diese \
                             Nachricht."),
                open_link: s("öffnen Sie {link}"),
                enter_code: s("geben Sie den Code {code} ein"),
                confirm_passkey: s(" Sie bestätigen mit einem Ihrer Passkeys."),
                waiting_notice: s("Jemand möchte Ihr Konto ohne Passkey wiederherstellen. Das geschieht in \
                                   {wait}, wenn Sie nicht abbrechen: {cancel}"),
                units: [(s("Stunde"), s("Stunden")), (s("Minute"), s("Minuten")), (s("Sekunde"), s("Sekunden"))],
            },
        }
    }

    /// `secs` exactly, largest units first, zero parts left out: 90 is "1 minute 30
    /// seconds", 240 "4 minutes", 86,400 "24 hours". Never rounded.
    #[must_use]
    pub fn duration(&self, secs: u64) -> String {
        let parts = [(secs / 3600, 0usize), ((secs % 3600) / 60, 1), (secs % 60, 2)];
        let mut out: Vec<String> = Vec::new();
        for (n, unit) in parts {
            if n == 0 {
                continue;
            }
            let (one, many) = self.units.get(unit).map_or(("", ""), |(a, b)| (a.as_str(), b.as_str()));
            out.push(format!("{n} {}", if n == 1 { one } else { many }));
        }
        if out.is_empty() {
            let zero = self.units.get(2).map_or("", |u| u.1.as_str());
            return format!("0 {zero}");
        }
        out.join(" ")
    }
}

/// One message to deliver over one channel. `Debug` redacts the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct DeliveryPayload {
    pub(crate) handle: RecoveryHandle,
    pub(crate) secret: DeliveredSecret,
    pub(crate) channel: Channel,
    pub(crate) confirmation: Confirmation,
    pub(crate) ttl_secs: u64,
    pub(crate) expires_at: UnixTime,
}

impl DeliveryPayload {
    /// The deep link `{base_url}#h=<handle>&t=<token>`, only for a link payload (a channel
    /// with confirmed end-to-end encryption); `None` for a code. The secret travels in the
    /// fragment, which browsers never send to a server.
    #[must_use]
    pub fn render_link(&self, base_url: &str) -> Option<String> {
        match &self.secret {
            DeliveredSecret::Link(token) => {
                let with_handle = link(base_url, "h", &self.handle.to_base64url());
                Some(link(&with_handle, "t", &token.to_base64url()))
            }
            DeliveredSecret::Code(_) => None,
        }
    }

    /// The code, only for a code payload.
    #[must_use]
    pub const fn code(&self) -> Option<&OneTimeCode> {
        match &self.secret {
            DeliveredSecret::Code(code) => Some(code),
            DeliveredSecret::Link(_) => None,
        }
    }

    /// The message body from `templates`: a link or a code, the TTL stated exactly, the
    /// passkey sentence only when a passkey confirms, and for a code the origin-bound line
    /// (`@rp_id #12345678`) last. It names no account, number or address.
    #[must_use]
    pub fn render_message(&self, templates: &Templates, rp_id: &str, base_url: &str) -> String {
        let action = match (&self.secret, self.render_link(base_url)) {
            (_, Some(url)) => templates.open_link.replace("{link}", &url),
            (DeliveredSecret::Code(code), None) => templates.enter_code.replace("{code}", code.as_str()),
            (DeliveredSecret::Link(_), None) => String::new(),
        };
        let confirm = match self.confirmation {
            Confirmation::Passkey => templates.confirm_passkey.as_str(),
            Confirmation::SecretAlone => "",
        };
        let body = templates
            .recovery
            .replace("{action}", &action)
            .replace("{ttl}", &templates.duration(self.ttl_secs))
            .replace("{confirm}", confirm);
        match self.code() {
            Some(code) => format!("{body}\n\n{}", code.origin_bound_line(rp_id)),
            None => body,
        }
    }

    /// The secret (for a host that renders its own message). Treat it as a secret.
    #[must_use]
    pub const fn secret(&self) -> &DeliveredSecret {
        &self.secret
    }

    /// The delivery channel.
    #[must_use]
    pub const fn channel(&self) -> Channel {
        self.channel
    }

    /// What completes the step.
    #[must_use]
    pub const fn confirmation(&self) -> Confirmation {
        self.confirmation
    }

    /// The validity in seconds.
    #[must_use]
    pub const fn ttl_secs(&self) -> u64 {
        self.ttl_secs
    }

    /// When the secret expires.
    #[must_use]
    pub const fn expires_at(&self) -> UnixTime {
        self.expires_at
    }
}

impl core::fmt::Debug for DeliveryPayload {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DeliveryPayload")
            .field("secret", &self.secret)
            .field("channel", &self.channel)
            .field("confirmation", &self.confirmation)
            .field("ttl_secs", &self.ttl_secs)
            .finish_non_exhaustive()
    }
}

/// The waiting-period notice with its one-tap cancel link, to send to every channel and
/// device of the account.
#[must_use]
pub fn render_waiting_notice(templates: &Templates, cancel: &CancelToken, base_url: &str, wait_secs: u64) -> String {
    templates
        .waiting_notice
        .replace("{cancel}", &cancel.render_link(base_url))
        .replace("{wait}", &templates.duration(wait_secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_exact() {
        let en = Templates::default_for(Language::En);
        assert_eq!(en.duration(90), "1 minute 30 seconds");
        assert_eq!(en.duration(240), "4 minutes");
        assert_eq!(en.duration(60), "1 minute");
        assert_eq!(en.duration(86_400), "24 hours");
        assert_eq!(en.duration(3661), "1 hour 1 minute 1 second");
        assert_eq!(Templates::default_for(Language::De).duration(90), "1 Minute 30 Sekunden");
    }
}
