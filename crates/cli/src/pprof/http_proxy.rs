//! The HTTP proxy a fetch goes through, chosen as Go's `http.ProxyFromEnvironment` chooses it
//! (go tool pprof's client uses it): `HTTP_PROXY` (or `http_proxy`), except for `localhost`,
//! loopback addresses and the hosts `NO_PROXY` (or `no_proxy`) names: `*`, a domain (which
//! covers its subdomains; a leading `.` or `*.` covers only them), an IP address or a CIDR
//! range, each optionally with a port.

use std::net::IpAddr;

/// The proxy (`host` or `host:port`) for a request to `host` (`name:port`), if any.
///
/// # Errors
///
/// A proxy URL whose scheme is not `http` (sextant speaks plain HTTP only).
pub(crate) fn for_host(host: &str) -> Result<Option<String>, String> {
    let env = |names: [&str; 2]| {
        names
            .iter()
            .find_map(|n| std::env::var(n).ok().filter(|v| !v.is_empty()))
    };
    let Some(proxy) = env(["HTTP_PROXY", "http_proxy"]) else {
        return Ok(None);
    };
    if !use_proxy(host, &env(["NO_PROXY", "no_proxy"]).unwrap_or_default()) {
        return Ok(None);
    }
    let rest = match proxy.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
        Some((scheme, _)) => {
            return Err(format!(
                "proxy {proxy:?}: the {scheme} scheme is not supported; sextant pprof talks \
                 to http proxies only"
            ));
        }
        None => proxy.as_str(),
    };
    let authority = rest.split('/').next().unwrap_or_default();
    let authority = authority.rsplit('@').next().unwrap_or_default();
    if authority.is_empty() {
        return Err(format!("proxy {proxy:?} names no host"));
    }
    Ok(Some(authority.to_string()))
}

/// `httpproxy.Config.useProxy`: whether a request to `host` goes through the proxy.
fn use_proxy(host: &str, no_proxy: &str) -> bool {
    let (name, port) = split_port(host);
    let name = name
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_lowercase();
    if name == "localhost" {
        return false;
    }
    let ip = name.parse::<IpAddr>().ok();
    if ip.is_some_and(|ip| ip.is_loopback()) {
        return false;
    }
    for entry in no_proxy.split(',').map(|e| e.trim().to_lowercase()) {
        if entry.is_empty() {
            continue;
        }
        if entry == "*" {
            return false;
        }
        if let (Some(ip), Some((net, bits))) = (ip, entry.split_once('/')) {
            if in_cidr(ip, net, bits) {
                return false;
            }
            continue;
        }
        let (entry_name, entry_port) = split_port(&entry);
        if entry_port.is_some() && entry_port != port {
            continue;
        }
        if let (Some(ip), Ok(e)) = (ip, entry_name.parse::<IpAddr>()) {
            if ip == e {
                return false;
            }
            continue;
        }
        let matches = match entry_name
            .strip_prefix("*.")
            .or_else(|| entry_name.strip_prefix('.'))
        {
            Some(domain) => name.ends_with(&format!(".{domain}")),
            None => name == entry_name || name.ends_with(&format!(".{entry_name}")),
        };
        if matches {
            return false;
        }
    }
    true
}

/// `name:port` split at the port, if it has one (brackets kept off IPv6 names' colons).
fn split_port(host: &str) -> (&str, Option<&str>) {
    let after_bracket = host.rfind(']').map_or(0, |i| i + 1);
    match host[after_bracket..].rfind(':') {
        Some(i) if host.matches(':').count() == 1 || after_bracket > 0 => {
            let i = after_bracket + i;
            (&host[..i], Some(&host[i + 1..]))
        }
        _ => (host, None),
    }
}

/// Whether `ip` lies in `net/bits`.
fn in_cidr(ip: IpAddr, net: &str, bits: &str) -> bool {
    let (Ok(net), Ok(bits)) = (net.parse::<IpAddr>(), bits.parse::<u32>()) else {
        return false;
    };
    let mask = |width: u32| -> u128 {
        if bits == 0 {
            0
        } else {
            (u128::MAX << (width - bits.min(width))) & (u128::MAX >> (128 - width))
        }
    };
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let m = mask(32);
            (u128::from(u32::from(a)) & m) == (u128::from(u32::from(n)) & m)
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let m = mask(128);
            (u128::from(a) & m) == (u128::from(n) & m)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_and_no_proxy_hosts_go_direct() {
        assert!(!use_proxy("localhost:6060", ""));
        assert!(!use_proxy("127.0.0.1:6060", ""));
        assert!(!use_proxy("[::1]:6060", ""));
        assert!(use_proxy("prod-1:6060", ""));
        assert!(!use_proxy("prod-1:6060", "*"));
        assert!(!use_proxy("a.example.com:6060", "example.com"));
        assert!(!use_proxy("example.com", "example.com"));
        assert!(use_proxy("example.com", ".example.com"));
        assert!(!use_proxy("b.example.com", "*.example.com"));
        assert!(use_proxy("notexample.com", "example.com"));
        assert!(!use_proxy("10.1.2.3:6060", "10.0.0.0/8"));
        assert!(use_proxy("11.1.2.3:6060", "10.0.0.0/8"));
        assert!(!use_proxy("10.1.2.3:6060", "10.1.2.3"));
        assert!(use_proxy("prod-1:6060", "prod-1:7070"));
        assert!(!use_proxy("prod-1:6060", "prod-1:6060"));
    }
}
