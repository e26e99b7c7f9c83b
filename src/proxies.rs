//! Who is on the other end of a request. Behind a reverse proxy every connection comes from
//! the proxy: without trusting its `X-Forwarded-For`, the per-address login limit would count
//! every visitor's failures together and one stranger could lock everybody out.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use axum::http::HeaderMap;
use ipnet::{IpNet, Ipv6Net};

/// The proxies whose `X-Forwarded-For` is believed (`BIBLIOTHEQUE_TRUSTED_PROXIES`: addresses
/// or networks, `127.0.0.1, ::1, 10.0.0.0/8`). Empty by default: the peer is the client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

/// IPv4 clients of a dual-stack socket show up as `::ffff:a.b.c.d`: the same client.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// A value of `BIBLIOTHEQUE_TRUSTED_PROXIES` that is not a list of addresses or networks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidProxy(String);

impl fmt::Display for InvalidProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "« {} » n'est ni une adresse IP ni un réseau (exemples : 127.0.0.1, ::1, 10.0.0.0/8)",
            self.0
        )
    }
}

impl std::error::Error for InvalidProxy {}

impl FromStr for TrustedProxies {
    type Err = InvalidProxy;

    fn from_str(list: &str) -> Result<Self, Self::Err> {
        list.split([',', ' '])
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| parse_network(item).ok_or_else(|| InvalidProxy(item.to_owned())))
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }
}

/// An address (a network of one) or a network; an IPv4-mapped IPv6 address is read as the
/// IPv4 address it carries, as clients are ([`canonical`]).
fn parse_network(item: &str) -> Option<IpNet> {
    let (address, prefix) = match item.split_once('/') {
        Some((address, bits)) => (address, Some(bits.parse::<u8>().ok()?)),
        None => (item, None),
    };
    let address = canonical(address.parse::<IpAddr>().ok()?);
    match prefix {
        Some(prefix) => IpNet::new(address, prefix).ok(),
        None => Some(IpNet::from(address)),
    }
}

impl TrustedProxies {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `ip` (a request's peer) is one of the trusted proxies.
    pub fn is_proxy(&self, ip: IpAddr) -> bool {
        self.trusts(ip)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|network| network.contains(&ip))
    }

    /// The client's address: the peer's, unless the peer is a trusted proxy; then the last
    /// address of `X-Forwarded-For` that is not itself a trusted proxy (each proxy appends
    /// the address it received the request from, so anything left of that was written by
    /// the client and proves nothing).
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        // Read as bytes: a client's own non-ASCII junk, merged into the same line by the
        // proxy, must not hide the hops the proxy added after it.
        let values: Vec<String> = headers
            .get_all("x-forwarded-for")
            .iter()
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
            .collect();
        let forwarded: Vec<&str> = values
            .iter()
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in forwarded.iter().rev() {
            let Some(ip) = parse_hop(hop).map(canonical) else {
                // A hop we cannot read: stop at the last address we could trust.
                break;
            };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        client
    }
}

/// An address as proxies write it: bare, or with a port (`203.0.113.9:4711`,
/// `[2001:db8::1]:4711`), possibly quoted.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim_matches('"');
    if let Ok(ip) = hop.parse() {
        return Some(ip);
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    match hop.split_once(':') {
        Some((v4, port)) if !port.contains(':') => v4.parse().ok(),
        _ => None,
    }
}

/// The key of a client for per-address limits: its IPv4 address, or the /64 network of its
/// IPv6 address (one subscriber gets a whole /64 and could walk through it).
pub fn throttle_key(ip: IpAddr) -> String {
    match canonical(ip) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => Ipv6Net::new_assert(v6, 64).trunc().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for v in values {
            map.append("x-forwarded-for", v.parse().unwrap());
        }
        map
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn lists_of_addresses_and_networks_parse() {
        let proxies: TrustedProxies = "127.0.0.1, ::1 10.0.0.0/8,fd00::/8".parse().unwrap();
        assert!(proxies.trusts(ip("10.20.30.40")));
        assert!(proxies.trusts(ip("127.0.0.1")));
        assert!(proxies.trusts(ip("::ffff:127.0.0.1")));
        assert!(proxies.trusts(ip("fd12::1")));
        assert!(!proxies.trusts(ip("11.0.0.1")));
        assert!(!proxies.trusts(ip("127.0.0.2")));
        assert!("".parse::<TrustedProxies>().unwrap().is_empty());
        for bad in [
            "localhost",
            "10.0.0.0/33",
            "::/129",
            "10.0.0/8",
            "1.2.3.4/x",
        ] {
            assert_eq!(
                bad.parse::<TrustedProxies>(),
                Err(InvalidProxy(bad.to_owned()))
            );
        }
        assert!(
            InvalidProxy("x".into())
                .to_string()
                .contains("ni une adresse IP")
        );
    }

    #[test]
    fn hops_with_ports_brackets_and_junk_are_read() {
        let proxies: TrustedProxies = "127.0.0.1".parse().unwrap();
        for (value, client) in [
            ("198.51.100.7:4711", "198.51.100.7"),
            ("[2001:db8::5]:4711", "2001:db8::5"),
            ("\"198.51.100.8\"", "198.51.100.8"),
        ] {
            assert_eq!(
                proxies.client(ip("127.0.0.1"), &headers(&[value])),
                ip(client),
                "{value}"
            );
        }
        let mut junk = HeaderMap::new();
        junk.append(
            "x-forwarded-for",
            axum::http::HeaderValue::from_bytes(b"caf\xc3\xa9, 198.51.100.9").unwrap(),
        );
        assert_eq!(proxies.client(ip("127.0.0.1"), &junk), ip("198.51.100.9"));
    }

    #[test]
    fn ipv6_clients_are_limited_by_their_64() {
        assert_eq!(throttle_key(ip("198.51.100.7")), "198.51.100.7");
        assert_eq!(throttle_key(ip("::ffff:198.51.100.7")), "198.51.100.7");
        assert_eq!(
            throttle_key(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd")),
            "2001:db8:1:2::/64"
        );
        assert_eq!(
            throttle_key(ip("2001:db8:1:2::1")),
            throttle_key(ip("2001:db8:1:2:ffff::9"))
        );
    }

    #[test]
    fn networks_match_on_their_prefix_only() {
        let net = parse_network("192.168.4.0/22").unwrap();
        assert!(net.contains(&ip("192.168.7.255")));
        assert!(!net.contains(&ip("192.168.8.0")));
        assert!(parse_network("0.0.0.0/0").unwrap().contains(&ip("8.8.8.8")));
        assert!(!parse_network("0.0.0.0/0").unwrap().contains(&ip("::2")));
    }

    #[test]
    fn the_peer_is_the_client_unless_it_is_a_trusted_proxy() {
        let none = TrustedProxies::default();
        let forged = headers(&["1.1.1.1"]);
        assert_eq!(none.client(ip("203.0.113.9"), &forged), ip("203.0.113.9"));

        let proxies: TrustedProxies = "127.0.0.1, 10.0.0.0/8".parse().unwrap();
        // Not from the proxy: the header is anyone's.
        assert_eq!(
            proxies.client(ip("203.0.113.9"), &forged),
            ip("203.0.113.9")
        );
        // Through the proxy: the address it saw.
        assert_eq!(
            proxies.client(ip("127.0.0.1"), &headers(&["198.51.100.7"])),
            ip("198.51.100.7")
        );
        // What the client wrote itself, left of what the proxies added, is ignored.
        assert_eq!(
            proxies.client(
                ip("127.0.0.1"),
                &headers(&["6.6.6.6, 198.51.100.7", "10.1.2.3"])
            ),
            ip("198.51.100.7")
        );
        // No header, or an unreadable last hop: the proxy itself.
        assert_eq!(
            proxies.client(ip("127.0.0.1"), &HeaderMap::new()),
            ip("127.0.0.1")
        );
        assert_eq!(
            proxies.client(ip("127.0.0.1"), &headers(&["1.2.3.4, pas-une-adresse"])),
            ip("127.0.0.1")
        );
        // Every hop trusted: the first one is as far as we can see.
        assert_eq!(
            proxies.client(ip("127.0.0.1"), &headers(&["10.0.0.5, 10.0.0.6"])),
            ip("10.0.0.5")
        );
        assert_eq!(
            proxies.client(ip("::ffff:127.0.0.1"), &headers(&["198.51.100.7"])),
            ip("198.51.100.7")
        );
    }
}
