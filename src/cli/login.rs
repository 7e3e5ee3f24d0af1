//! `clodo login`, `logout` and `whoami`: a Cloudflare API token kept per
//! account in the OS keychain (tokens.rs), verified with Cloudflare before it
//! is kept; asked for on a terminal with hidden input, or read from stdin.
//! The token is never printed, logged or put in an argv.

use std::io::Read;

use serde_json::json;

use super::{Failure, OK, Outcome, Output, environment_credentials};
use crate::error::Error;
use crate::tokens::{self, StoredToken};

pub fn login(out: &Output, token_stdin: bool, account: Option<String>) -> Outcome {
    let token = match token_stdin {
        true => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text).map_err(|e| Error::io("read the token from", std::path::Path::new("stdin"), e))?;
            text.trim().to_owned()
        }
        false => out.secret("Cloudflare API token").ok_or_else(|| Error::auth("no terminal to ask for the token on: pipe it with --token-stdin"))?,
    };
    let account = account.or(environment_credentials().account_id);
    let saved = tokens::verify_and_keep(&token, account.as_deref())?;
    out.result(&serde_json::to_value(&saved).unwrap_or_default(), |_| {
        let expiry = saved.expires_on.as_deref().map_or(String::new(), |e| format!(", expires {e}"));
        format!("logged in: account {}, token verified ({}{expiry}) and kept in {}", saved.account_id, saved.status, where_kept(&saved))
    });
    Ok(OK)
}

pub fn logout(out: &Output, account: Option<String>) -> Outcome {
    let stored = tokens::list()?;
    let account = match (account, stored.as_slice()) {
        (Some(account), _) => account,
        (None, [only]) => only.account_id.clone(),
        (None, []) => return Err(Failure::Usage("no token is stored: nothing to forget".into())),
        (None, many) => {
            let accounts: Vec<&str> = many.iter().map(|t| t.account_id.as_str()).collect();
            return Err(Failure::Usage(format!("tokens are stored for {}: say which with --account", accounts.join(", "))));
        }
    };
    let removed = tokens::remove(&account)?;
    out.result(&json!({"accountId": account, "removed": removed}), |_| match removed {
        true => format!("logged out: the token of account {account} is forgotten"),
        false => format!("no token is stored for account {account}"),
    });
    Ok(OK)
}

pub fn whoami(out: &Output) -> Outcome {
    let from_env = environment_credentials();
    let stored = tokens::list()?;
    let using = match (&from_env.api_token, from_env.account_id.as_deref()) {
        (Some(_), account) => json!({"source": "environment (CLOUDFLARE_API_TOKEN)", "accountId": account}),
        (None, account) => {
            let chosen = match account {
                Some(account) => stored.iter().find(|t| t.account_id == account),
                None if stored.len() == 1 => stored.first(),
                None => None,
            };
            match chosen {
                Some(t) => json!({"source": format!("clodo login ({})", where_kept(t)), "accountId": t.account_id, "status": t.status, "expiresOn": t.expires_on, "verifiedAt": t.verified_at}),
                None => json!({"source": null, "accountId": account}),
            }
        }
    };
    out.result(&json!({"using": using, "stored": stored}), |d| {
        let using = &d["using"];
        let first = match using["source"].as_str() {
            Some(source) => format!("token from {source}, account {}", using["accountId"].as_str().unwrap_or("(the token's only one)")),
            None => "no token: remote commands need `clodo login` or CLOUDFLARE_API_TOKEN".to_owned(),
        };
        let rows: Vec<String> = stored.iter().map(|t| format!("  {}  {}  {}{}", t.account_id, where_kept(t), t.status, t.expires_on.as_deref().map_or(String::new(), |e| format!(", expires {e}")))).collect();
        match rows.is_empty() {
            true => first,
            false => format!("{first}\nstored:\n{}", rows.join("\n")),
        }
    });
    Ok(OK)
}

fn where_kept(token: &StoredToken) -> &'static str {
    match token.kept_in {
        tokens::KeptIn::Keychain => "the OS keychain",
        tokens::KeptIn::EncryptedFile => "clodo's encrypted store",
    }
}
