//! Where rarlink may send webhooks: `https` to a public address only. Loopback, private, shared,
//! link-local, multicast, unspecified, reserved and documentation addresses are refused, for IPv4
//! and IPv6 alike (an IPv6 address that embeds an IPv4 one is judged by the IPv4 address), so a
//! subscription cannot make the service probe its own network. The development allow list
//! (`RARLINK_WEBHOOK_ALLOW_HOSTS`) names hosts that may be used anyway, `http` included.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Hosts (`host` or `host:port`, lower case) that may be sent to whatever they resolve to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowHosts(Vec<String>);

impl AllowHosts {
    /// From the comma-separated setting; blanks are ignored.
    pub fn parse(list: &str) -> Self {
        Self(
            list.split(',')
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect(),
        )
    }

    /// Whether `host` (as a URL writes it, IPv6 in brackets) on `port` is allowed.
    pub fn allows(&self, host: &str, port: Option<u16>) -> bool {
        let host = host.to_ascii_lowercase();
        self.0
            .iter()
            .any(|entry| entry == &host || port.is_some_and(|p| entry == &format!("{host}:{p}")))
    }

    /// Whether `host` is allowed on some port (at name resolution the port is not known).
    pub fn allows_host(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        self.0.iter().any(|entry| {
            entry == &host
                || entry
                    .rsplit_once(':')
                    .is_some_and(|(h, p)| h == host && p.parse::<u16>().is_ok())
        })
    }
}

/// Whether an address is one a webhook may never be sent to.
pub fn refused(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => refused_v4(v4),
        IpAddr::V6(v6) => refused_v6(v6),
    }
}

fn refused_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    a == 0 // "this network", unspecified
        || a == 10 // private
        || a == 127 // loopback
        || (a == 100 && (64..128).contains(&b)) // shared (carrier-grade NAT)
        || (a == 169 && b == 254) // link-local (cloud metadata)
        || (a == 172 && (16..32).contains(&b)) // private
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2) // documentation
        || (a == 192 && b == 88 && c == 99) // 6to4 relay
        || (a == 192 && b == 168) // private
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || (a == 198 && b == 51 && c == 100) // documentation
        || (a == 203 && b == 0 && c == 113) // documentation
        || a >= 224 // multicast, reserved, broadcast
}

fn refused_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = embedded_v4(ip) {
        return refused_v4(v4);
    }
    let s = ip.segments();
    ip.is_unspecified()
        || ip.is_loopback()
        || (s[0] & 0xfe00) == 0xfc00 // unique local
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (s[0] & 0xff00) == 0xff00 // multicast
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x2001 && s[1] == 0) // Teredo
        || (s[0] == 0x0100 && s[1] == 0 && s[2] == 0 && s[3] == 0) // discard
        || s[0] == 0 // every other form in ::/16 (IPv4-compatible and reserved)
}

/// The IPv4 address an IPv6 address carries: mapped (`::ffff:a.b.c.d`), compatible
/// (`::a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`) or 6to4 (`2002:aabb:ccdd::`).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let low = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    let mapped_or_compatible = s[..5] == [0, 0, 0, 0, 0]
        && (s[5] == 0xffff || (s[5] == 0 && !ip.is_loopback() && !ip.is_unspecified()));
    let nat64 = s[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
    if mapped_or_compatible || nat64 {
        Some(low)
    } else if s[0] == 0x2002 {
        Some(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ))
    } else {
        None
    }
}

/// Why a webhook URL is refused (the text of the `422`).
pub fn check_url(raw: &str, allow: &AllowHosts) -> Result<url::Url, &'static str> {
    let url = url::Url::parse(raw.trim()).map_err(|_| "url must be an absolute https URL")?;
    let host = url.host().ok_or("url must name a host")?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("url must not carry credentials");
    }
    let host_text = url.host_str().unwrap_or_default();
    if allow.allows(host_text, url.port_or_known_default()) {
        return match url.scheme() {
            "http" | "https" => Ok(url),
            _ => Err("url must be an http or https URL"),
        };
    }
    if url.scheme() != "https" {
        return Err("url must be an https URL");
    }
    let ip = match host {
        // The URL parser has already read numeric forms (`0x7f000001`, `2130706433`, `0177.1`).
        url::Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
        url::Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
        url::Host::Domain(d)
            if d.eq_ignore_ascii_case("localhost") || d.ends_with(".localhost") =>
        {
            return Err("url must not name a loopback, private or link-local address")
        }
        url::Host::Domain(_) => None,
    };
    if ip.is_some_and(refused) {
        return Err("url must not name a loopback, private or link-local address");
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_refused_by_class_in_every_form() {
        let cases = [
            ("127.0.0.1", true),
            ("127.8.8.8", true),
            ("10.0.0.5", true),
            ("172.16.0.1", true),
            ("172.31.255.255", true),
            ("172.32.0.1", false),
            ("192.168.1.1", true),
            ("169.254.169.254", true),
            ("100.64.0.1", true),
            ("100.128.0.1", false),
            ("0.0.0.0", true),
            ("224.0.0.1", true),
            ("255.255.255.255", true),
            ("192.0.2.1", true),
            ("8.8.8.8", false),
            ("81.2.69.160", false),
            ("::1", true),
            ("::", true),
            ("fe80::1", true),
            ("fd00::1", true),
            ("ff02::1", true),
            ("::ffff:127.0.0.1", true),
            ("::ffff:10.0.0.1", true),
            ("::ffff:8.8.8.8", false),
            ("::127.0.0.1", true),
            ("64:ff9b::a9fe:a9fe", true),
            ("2002:7f00:1::", true),
            ("2001:db8::1", true),
            ("2a00:1450:4009:81d::200e", false),
        ];
        for (ip, expected) in cases {
            assert_eq!(refused(ip.parse().unwrap()), expected, "{ip}");
        }
    }

    #[test]
    fn urls_must_be_https_to_a_public_address_unless_the_host_is_allowed() {
        let none = AllowHosts::default();
        let cases = [
            ("https://hooks.example.org/x", true),
            ("https://8.8.8.8/x", true),
            ("http://hooks.example.org/x", false),
            ("http://127.0.0.1/x", false),
            ("https://10.0.0.5/x", false),
            ("https://[::1]/x", false),
            ("https://[::ffff:127.0.0.1]/x", false),
            ("https://169.254.169.254/x", false),
            ("https://0x7f000001/x", false),
            ("https://2130706433/x", false),
            ("https://0177.0.0.1/x", false),
            ("https://127.1/x", false),
            ("https://localhost/x", false),
            ("https://a.localhost/x", false),
            ("https://user:pw@hooks.example.org/x", false),
            ("ftp://hooks.example.org/x", false),
            ("not a url", false),
        ];
        for (url, ok) in cases {
            assert_eq!(check_url(url, &none).is_ok(), ok, "{url}");
        }
    }

    #[test]
    fn the_allow_list_admits_named_hosts_over_http_on_any_or_the_named_port() {
        let allow = AllowHosts::parse(" 127.0.0.1 , receiver.test:8443,");
        assert!(check_url("http://127.0.0.1:9/hook", &allow).is_ok());
        assert!(check_url("https://receiver.test:8443/x", &allow).is_ok());
        assert!(check_url("http://receiver.test:8444/x", &allow).is_err());
        assert!(check_url("http://10.0.0.5/x", &allow).is_err());
        assert!(check_url("ftp://127.0.0.1/x", &allow).is_err());
        assert!(allow.allows_host("receiver.test"));
        assert!(allow.allows_host("127.0.0.1"));
        assert!(!allow.allows_host("10.0.0.5"));
    }
}
