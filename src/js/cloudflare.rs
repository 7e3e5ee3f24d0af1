//! `CloudflareAPI` (the original's class, on `crate::cloudflare`) with the
//! original's camelCase result shapes, and the operations of
//! `clodo/utils/cloudflare` (on `crate::cloudflare::ops`).

use std::sync::Arc;

use napi::Env;
use napi::bindgen_prelude::*;
use serde_json::{Value, json};

use super::convert::{Json, path_in, root_folder, text};
use super::task::{blocking, future, settled};
use crate::cloudflare::CloudflareApi;
use crate::cloudflare::ops::Ops;
use crate::error::{Error, Result as CoreResult, WranglerFailure};
use crate::wrangler::Credentials;
use crate::wrangler_config::discover_config;

fn zone_summary(z: &Value) -> Value {
    json!({
        "id": z["id"], "name": z["name"], "status": z["status"],
        "accountId": z["account"]["id"], "accountName": z["account"]["name"],
        "nameServers": z["name_servers"], "originalNameServers": z["original_name_servers"],
        "type": z["type"], "planName": z["plan"]["name"], "createdOn": z["created_on"], "modifiedOn": z["modified_on"],
    })
}

fn zone_details(z: &Value) -> Value {
    let mut details = zone_summary(z);
    details["planId"] = z["plan"]["id"].clone();
    details["activatedOn"] = z["activated_on"].clone();
    let meta = &z["meta"];
    details["meta"] = json!({
        "step": meta["step"], "customCertificateQuota": meta["custom_certificate_quota"], "pageRuleQuota": meta["page_rule_quota"],
        "phishingDetected": meta["phishing_detected"], "multipleRailgunsAllowed": meta["multiple_railguns_allowed"],
    });
    details["owner"] = json!({"id": z["owner"]["id"], "type": z["owner"]["type"], "email": z["owner"]["email"]});
    details
}

fn dns_record(r: &Value) -> Value {
    json!({"id": r["id"], "type": r["type"], "name": r["name"], "content": r["content"], "proxied": r["proxied"], "ttl": r["ttl"], "priority": r["priority"], "createdOn": r["created_on"], "modifiedOn": r["modified_on"]})
}

fn database(db: &Value) -> Value {
    json!({"uuid": db["uuid"], "name": db["name"], "version": db["version"], "createdAt": db["created_at"], "numTables": db["num_tables"], "fileSize": db["file_size"]})
}

/// Cloudflare's REST API with one token (`CLOUDFLARE_API_BASE_URL` overrides the base URL).
/// Lists come whole, page after page; errors carry Cloudflare's codes and a stable `code`.
#[napi(js_name = "CloudflareAPI")]
pub struct CloudflareApiClass {
    api: Arc<CloudflareApi>,
}

#[napi]
impl CloudflareApiClass {
    #[napi(constructor)]
    pub fn new(env: Env, api_token: Option<String>) -> napi::Result<Self> {
        let token = api_token.filter(|t| !t.trim().is_empty()).ok_or_else(|| super::errors::to_js_error(&env, &Error::invalid("Cloudflare API token is required")))?;
        let api = CloudflareApi::new(&token).map_err(|e| super::errors::to_js_error(&env, &e))?;
        Ok(CloudflareApiClass { api: Arc::new(api) })
    }

    fn call<'env, F>(&self, env: &'env Env, work: impl FnOnce(Arc<CloudflareApi>) -> F) -> napi::Result<PromiseRaw<'env, Json>>
    where
        F: std::future::Future<Output = CoreResult<Value>> + Send + 'static,
    {
        future(env, work(self.api.clone()), Json)
    }

    /// Any endpoint (`/zones?name=x`): the whole envelope `{ success, errors, messages, result, result_info? }`.
    #[napi(ts_args_type = "endpoint: string, options?: { method?: string, body?: string | object }", ts_return_type = "Promise<{ success: boolean, errors: unknown[], messages: unknown[], result: any, result_info?: unknown }>")]
    pub fn request<'env>(&self, env: &'env Env, endpoint: String, options: Option<Value>) -> napi::Result<PromiseRaw<'env, Json>> {
        let options = options.unwrap_or(Value::Null);
        let method = match reqwest::Method::from_bytes(text(&options, &["method"]).unwrap_or("GET").to_ascii_uppercase().as_bytes()) {
            Ok(m) => m,
            Err(_) => return settled(env, Err(Error::invalid("options.method is not an HTTP method"))),
        };
        let body = match &options["body"] {
            Value::String(s) => Some(serde_json::from_str(s).unwrap_or(Value::String(s.clone()))),
            Value::Null => None,
            other => Some(other.clone()),
        };
        self.call(env, move |api| async move { api.request(method, &endpoint, body.as_ref()).await })
    }

    /// `{ valid: true, id, status, expiresOn, notBefore }`, or `{ valid: false, error, code }`.
    /// With `accountId`, a token that account owns is verified too (Cloudflare's
    /// user endpoint refuses those).
    #[napi(ts_return_type = "Promise<{ valid: boolean, id?: string, status?: string, expiresOn?: string, notBefore?: string, error?: string, code?: string }>")]
    pub fn verify_token<'env>(&self, env: &'env Env, account_id: Option<String>) -> napi::Result<PromiseRaw<'env, Json>> {
        self.call(env, |api| async move {
            Ok(match api.verify_token_for(account_id.as_deref()).await {
                Ok(t) => json!({"valid": true, "id": t["id"], "status": t["status"], "expiresOn": t["expires_on"], "notBefore": t["not_before"]}),
                Err(e) => json!({"valid": false, "error": e.to_string(), "code": e.code()}),
            })
        })
    }

    /// Whether the token may read D1 in its first account: `{ hasPermission, error? }`.
    #[napi(ts_return_type = "Promise<{ hasPermission: boolean, error?: string }>")]
    pub fn check_d1_permissions<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, Json>> {
        self.call(env, |api| async move {
            let accounts = api.accounts().await?;
            let Some(account) = accounts.first().and_then(|a| a["id"].as_str()) else {
                return Ok(json!({"hasPermission": false, "error": "The token sees no account"}));
            };
            Ok(match api.d1_databases(account).await {
                Ok(_) => json!({"hasPermission": true}),
                Err(Error::Api { kind: WranglerFailure::Auth, .. }) => json!({"hasPermission": false, "error": "API token lacks D1 database permissions. Required: Cloudflare D1:Edit"}),
                Err(e) => return Err(e),
            })
        })
    }

    /// Every zone the token sees (all pages), narrowed by `name`, `status`, `accountId`.
    #[napi(ts_args_type = "options?: { name?: string, status?: string, accountId?: string }", ts_return_type = "Promise<ZoneSummary[]>")]
    pub fn list_zones<'env>(&self, env: &'env Env, options: Option<Value>) -> napi::Result<PromiseRaw<'env, Json>> {
        let o = options.unwrap_or(Value::Null);
        let q = crate::cloudflare::query(&[("name", text(&o, &["name"])), ("status", text(&o, &["status"])), ("account.id", text(&o, &["accountId"]))]);
        self.call(env, move |api| async move { Ok(json!(api.zones(&q).await?.iter().map(zone_summary).collect::<Vec<_>>())) })
    }

    #[napi(ts_return_type = "Promise<ZoneSummary & { planId: string, activatedOn: string, meta: Record<string, unknown>, owner: { id: string, type: string, email?: string } }>")]
    pub fn get_zone_details<'env>(&self, env: &'env Env, zone_id: String) -> napi::Result<PromiseRaw<'env, Json>> {
        self.call(env, move |api| async move { Ok(zone_details(&api.zone(&zone_id).await?)) })
    }

    #[napi(ts_args_type = "zoneId: string, options?: { type?: string, name?: string }", ts_return_type = "Promise<Array<{ id: string, type: string, name: string, content: string, proxied: boolean, ttl: number, priority?: number, createdOn: string, modifiedOn: string }>>")]
    pub fn list_dns_records<'env>(&self, env: &'env Env, zone_id: String, options: Option<Value>) -> napi::Result<PromiseRaw<'env, Json>> {
        let o = options.unwrap_or(Value::Null);
        let q = crate::cloudflare::query(&[("type", text(&o, &["type"])), ("name", text(&o, &["name"]))]);
        self.call(env, move |api| async move { Ok(json!(api.dns_records(&zone_id, &q).await?.iter().map(dns_record).collect::<Vec<_>>())) })
    }

    #[napi(ts_return_type = "Promise<{ id: string, name: string, type: string, settings: unknown, createdOn: string }>")]
    pub fn get_account_details<'env>(&self, env: &'env Env, account_id: String) -> napi::Result<PromiseRaw<'env, Json>> {
        self.call(env, move |api| async move {
            let a = api.account(&account_id).await?;
            Ok(json!({"id": a["id"], "name": a["name"], "type": a["type"], "settings": a["settings"], "createdOn": a["created_on"]}))
        })
    }

    #[napi(ts_return_type = "Promise<Array<{ id: string, name: string, createdOn: string, modifiedOn: string, etag?: string }>>")]
    pub fn list_workers<'env>(&self, env: &'env Env, account_id: String) -> napi::Result<PromiseRaw<'env, Json>> {
        self.call(env, move |api| async move {
            let scripts = api.workers(&account_id).await?;
            Ok(json!(scripts.iter().map(|w| json!({"id": w["id"], "name": w["id"], "createdOn": w["created_on"], "modifiedOn": w["modified_on"], "etag": w["etag"]})).collect::<Vec<_>>()))
        })
    }

    /// Sets a worker's secret (`secretValue` is `{ text }` or the text); the value travels only in the request body.
    #[napi(ts_args_type = "accountId: string, scriptName: string, secretName: string, secretValue: { text: string } | string", ts_return_type = "Promise<unknown>")]
    pub fn put_worker_secret<'env>(&self, env: &'env Env, account_id: String, script_name: String, secret_name: String, secret_value: Value) -> napi::Result<PromiseRaw<'env, Json>> {
        let Some(value) = secret_value.as_str().or_else(|| secret_value["text"].as_str()).map(str::to_owned) else {
            return settled(env, Err(Error::invalid("secretValue must be { text } or a string")));
        };
        if let Err(e) = crate::secrets::check_name(&secret_name) {
            return settled(env, Err(e));
        }
        self.call(env, move |api| async move { api.put_worker_secret(&account_id, &script_name, &secret_name, &value).await })
    }

    #[napi(ts_return_type = "Promise<D1DatabaseSummary[]>")]
    pub fn list_d1_databases<'env>(&self, env: &'env Env, account_id: String) -> napi::Result<PromiseRaw<'env, Json>> {
        self.call(env, move |api| async move { Ok(json!(api.d1_databases(&account_id).await?.iter().map(database).collect::<Vec<_>>())) })
    }

    #[napi(ts_return_type = "Promise<{ uuid: string, name: string, version?: string, createdAt?: string }>")]
    pub fn create_d1_database<'env>(&self, env: &'env Env, account_id: String, name: String) -> napi::Result<PromiseRaw<'env, Json>> {
        if let Err(e) = crate::d1::names::database(&name) {
            return settled(env, Err(e));
        }
        self.call(env, move |api| async move {
            let db = api.create_d1_database(&account_id, &name).await?;
            Ok(json!({"uuid": db["uuid"], "name": db["name"], "version": db["version"], "createdAt": db["created_at"]}))
        })
    }

    /// Whether the account has a database of that name (a failed lookup rejects; it is not "no").
    #[napi(ts_return_type = "Promise<boolean>")]
    pub fn d1_database_exists<'env>(&self, env: &'env Env, account_id: String, name: String) -> napi::Result<PromiseRaw<'env, Json>> {
        self.call(env, move |api| async move { Ok(json!(api.d1_databases(&account_id).await?.iter().any(|db| db["name"] == name.as_str()))) })
    }

    #[napi(ts_return_type = "Promise<D1DatabaseSummary | null>")]
    pub fn get_d1_database<'env>(&self, env: &'env Env, account_id: String, name: String) -> napi::Result<PromiseRaw<'env, Json>> {
        self.call(env, move |api| async move { Ok(api.d1_databases(&account_id).await?.iter().find(|db| db["name"] == name.as_str()).map(database).unwrap_or(Value::Null)) })
    }

    /// The zone with what a deployment needs: account, zone, domain, plan, the first ten DNS records and the account's databases.
    #[napi(ts_return_type = "Promise<{ accountId: string, zoneId: string, domain: string, accountName: string, status: string, nameServers: string[], planName: string, dnsRecords: unknown[], databases: D1DatabaseSummary[], createdOn: string, owner: unknown }>")]
    pub fn get_deployment_info<'env>(&self, env: &'env Env, zone_id: String) -> napi::Result<PromiseRaw<'env, Json>> {
        self.call(env, move |api| async move {
            let zone = zone_details(&api.zone(&zone_id).await?);
            let records = api.dns_records(&zone_id, "").await?;
            let account = zone["accountId"].as_str().unwrap_or_default().to_owned();
            let databases = match api.d1_databases(&account).await {
                Ok(list) => list.iter().map(database).collect(),
                // D1 is optional for a deployment: a token without D1 access still gets the rest.
                Err(Error::Api { kind: WranglerFailure::Auth | WranglerFailure::NotFound, .. }) => vec![],
                Err(e) => return Err(e),
            };
            Ok(json!({
                "accountId": zone["accountId"], "zoneId": zone["id"], "domain": zone["name"], "accountName": zone["accountName"],
                "status": zone["status"], "nameServers": zone["nameServers"], "planName": zone["planName"],
                "dnsRecords": records.iter().take(10).map(dns_record).collect::<Vec<_>>(), "databases": databases,
                "createdOn": zone["createdOn"], "owner": zone["owner"],
            }))
        })
    }
}

/// A zone as `listZones` returns it.
#[allow(dead_code)]
#[napi(object, object_from_js = false)]
pub struct ZoneSummary {
    pub id: String,
    pub name: String,
    pub status: String,
    pub account_id: String,
    pub account_name: String,
    pub name_servers: Option<Vec<String>>,
    pub original_name_servers: Option<Vec<String>>,
    #[napi(js_name = "type")]
    pub kind: Option<String>,
    pub plan_name: Option<String>,
    pub created_on: Option<String>,
    pub modified_on: Option<String>,
}

#[allow(dead_code)]
#[napi(object, object_from_js = false)]
pub struct D1DatabaseSummary {
    pub uuid: String,
    pub name: String,
    pub version: Option<String>,
    pub created_at: Option<String>,
    pub num_tables: Option<u32>,
    pub file_size: Option<f64>,
}

/// Options of every `clodo/utils/cloudflare` operation.
#[allow(dead_code)]
#[napi(object)]
pub struct CloudflareOpsOptions {
    /// Else `CLOUDFLARE_API_TOKEN`.
    pub api_token: Option<String>,
    /// Else `CLOUDFLARE_ACCOUNT_ID`.
    pub account_id: Option<String>,
    /// The worker a secret belongs to: with a token and account, secrets go through the API.
    pub script_name: Option<String>,
    /// The service folder. Default: `process.cwd()`.
    pub service_path: Option<String>,
    /// Default: the wrangler config found in `servicePath`.
    pub config_path: Option<String>,
    pub wrangler_path: Option<String>,
}

fn ops_for(options: &Value) -> Ops {
    let root = root_folder(options, &["servicePath", "projectRoot", "cwd"]);
    let config = path_in(options, &["configPath"], &root).or_else(|| discover_config(&root)).unwrap_or_else(|| root.join("wrangler.toml"));
    let from_env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let given = |names: &[&str]| text(options, names).filter(|v| !v.is_empty()).map(str::to_owned);
    let credentials = Credentials {
        api_token: given(&["apiToken", "cloudflareToken"]).or_else(|| from_env("CLOUDFLARE_API_TOKEN")),
        account_id: given(&["accountId", "cloudflareAccountId"]).or_else(|| from_env("CLOUDFLARE_ACCOUNT_ID")),
    };
    Ops::new(&root, &config, path_in(options, &["wranglerPath"], &root), credentials)
}

/// Runs one operation off the JS thread.
fn op<'env>(env: &'env Env, options: Option<Value>, work: impl FnOnce(&Ops, &Value) -> CoreResult<Value> + Send + 'static) -> napi::Result<PromiseRaw<'env, Json>> {
    let options = options.unwrap_or(Value::Null);
    blocking(env, vec![], move |_| work(&ops_for(&options), &options), Json)
}

fn script(options: &Value) -> Option<String> {
    text(options, &["scriptName", "workerName"]).map(str::to_owned)
}

/// The account's workers (Cloudflare's API: wrangler has no command to list them).
#[napi(ts_args_type = "options?: CloudflareOpsOptions", ts_return_type = "Promise<Array<{ id: string, name: string, createdOn: string, modifiedOn: string, etag?: string }>>")]
pub fn cloudflare_list_workers<'env>(env: &'env Env, options: Option<Value>) -> napi::Result<PromiseRaw<'env, Json>> {
    op(env, options, |ops, _| Ok(json!(ops.list_workers()?)))
}

/// `wrangler deploy [--env environment]` of the service: `{ workerName, versionId, url, targets }`.
#[napi(ts_args_type = "environment: string, options?: CloudflareOpsOptions", ts_return_type = "Promise<{ workerName: string | null, versionId: string | null, url: string | null, targets: string[] }>")]
pub fn cloudflare_deploy_worker<'env>(env: &'env Env, environment: String, options: Option<Value>) -> napi::Result<PromiseRaw<'env, Json>> {
    op(env, options, move |ops, _| ops.deploy_worker(&environment))
}

/// Sets one secret; the value goes on stdin or in the API request body, never in argv.
#[napi(ts_args_type = "key: string, value: string, environment: string, options?: CloudflareOpsOptions", ts_return_type = "Promise<null>")]
pub fn cloudflare_put_secret<'env>(env: &'env Env, key: String, value: String, environment: String, options: Option<Value>) -> napi::Result<PromiseRaw<'env, Json>> {
    op(env, options, move |ops, o| ops.put_secret(&key, &value, &environment, script(o).as_deref()).map(|_| Value::Null))
}

#[napi(ts_args_type = "key: string, environment: string, options?: CloudflareOpsOptions", ts_return_type = "Promise<null>")]
pub fn cloudflare_delete_secret<'env>(env: &'env Env, key: String, environment: String, options: Option<Value>) -> napi::Result<PromiseRaw<'env, Json>> {
    op(env, options, move |ops, o| ops.delete_secret(&key, &environment, script(o).as_deref()).map(|_| Value::Null))
}

/// The names of the worker's secrets.
#[napi(ts_args_type = "environment: string, options?: CloudflareOpsOptions", ts_return_type = "Promise<string[]>")]
pub fn cloudflare_list_secrets<'env>(env: &'env Env, environment: String, options: Option<Value>) -> napi::Result<PromiseRaw<'env, Json>> {
    op(env, options, move |ops, o| Ok(json!(ops.list_secrets(&environment, script(o).as_deref())?)))
}

#[napi(ts_args_type = "options?: CloudflareOpsOptions", ts_return_type = "Promise<D1DatabaseSummary[]>")]
pub fn cloudflare_list_databases<'env>(env: &'env Env, options: Option<Value>) -> napi::Result<PromiseRaw<'env, Json>> {
    op(env, options, |ops, _| Ok(json!(ops.list_databases()?)))
}

/// The database's id, or null when the account has none of that name.
#[napi(ts_args_type = "name: string, options?: CloudflareOpsOptions", ts_return_type = "Promise<string | null>")]
pub fn cloudflare_database_id<'env>(env: &'env Env, name: String, options: Option<Value>) -> napi::Result<PromiseRaw<'env, Json>> {
    op(env, options, move |ops, _| Ok(json!(ops.database_id(&name)?)))
}

/// Creates a D1 database; resolves to its id.
#[napi(ts_args_type = "name: string, options?: CloudflareOpsOptions", ts_return_type = "Promise<string>")]
pub fn cloudflare_create_database<'env>(env: &'env Env, name: String, options: Option<Value>) -> napi::Result<PromiseRaw<'env, Json>> {
    op(env, options, move |ops, _| Ok(json!(ops.create_database(&name)?)))
}

#[napi(ts_args_type = "name: string, options?: CloudflareOpsOptions", ts_return_type = "Promise<null>")]
pub fn cloudflare_delete_database<'env>(env: &'env Env, name: String, options: Option<Value>) -> napi::Result<PromiseRaw<'env, Json>> {
    op(env, options, move |ops, _| ops.delete_database(&name).map(|_| Value::Null))
}

/// `d1 execute` (`options.remote`, default false): each statement's `{ results, success, meta }`.
#[napi(ts_args_type = "database: string, sql: string, environment: string, options?: CloudflareOpsOptions & { remote?: boolean }", ts_return_type = "Promise<Array<{ results: Record<string, unknown>[], success: boolean, meta: Record<string, unknown> }>>")]
pub fn cloudflare_execute_sql<'env>(env: &'env Env, database: String, sql: String, environment: String, options: Option<Value>) -> napi::Result<PromiseRaw<'env, Json>> {
    op(env, options, move |ops, o| Ok(json!(ops.execute_sql(&database, &sql, &environment, o["remote"] == true)?)))
}
