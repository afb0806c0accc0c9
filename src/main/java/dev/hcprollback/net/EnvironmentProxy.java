package dev.hcprollback.net;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The proxy the process environment names, as a {@link ProxySelector}: the JDK reads none of these variables
 * itself. Every HTTP client of the sidecar and of the restore Jobs' fetch container takes its proxy from here, so
 * that one reading of {@code NO_PROXY} decides for all of them.
 *
 * <p>
 * Variables, as curl, Go and OpenShift's cluster-wide proxy spell them (OLM copies the cluster's {@code
 * HTTP_PROXY}, {@code HTTPS_PROXY} and {@code NO_PROXY} into the operator's containers): {@code HTTPS_PROXY} for
 * {@code https} URLs, {@code HTTP_PROXY} for {@code http} URLs, each also in lower case (upper case wins when both
 * are set); a value is {@code http://host[:port]} or {@code host[:port]} (port 80 when none). {@code NO_PROXY} is a
 * comma-separated list; a host is reached directly when an entry is {@code *}, the host itself or a domain it is in
 * ({@code example.com}, {@code .example.com} and {@code *.example.com} all match {@code example.com} and
 * {@code s3.example.com}), its IP address, or a CIDR block holding that address ({@code 10.0.0.0/16}, as OpenShift
 * lists its networks); an entry with a port ({@code host:5000}) matches that port only. Host names are never
 * resolved to match a CIDR block.
 *
 * @throws IllegalArgumentException (from {@link #of}) for a proxy URL this sidecar cannot use: another scheme than
 *         {@code http} (a TLS connection to the proxy), user credentials, or no host; the message names the variable.
 */
public final class EnvironmentProxy extends ProxySelector {

    /** Every variable read, in the order read; the restore Jobs get those that are set. */
    public static final List<String> VARIABLES = List.of("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy",
            "NO_PROXY", "no_proxy");

    private static final Pattern HOST_PORT = Pattern.compile("(.*):(\\d{1,5})");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private final Map<String, String> variables;
    private final Optional<InetSocketAddress> https;
    private final Optional<InetSocketAddress> http;
    private final List<String> noProxy;

    private EnvironmentProxy(Map<String, String> variables, Optional<InetSocketAddress> https,
            Optional<InetSocketAddress> http, List<String> noProxy) {
        this.variables = variables;
        this.https = https;
        this.http = http;
        this.noProxy = noProxy;
    }

    /** The proxy of this process's environment. */
    public static EnvironmentProxy fromEnvironment() {
        return of(System.getenv());
    }

    /** The proxy an environment names (only {@link #VARIABLES} are read). */
    public static EnvironmentProxy of(Map<String, String> environment) {
        Map<String, String> set = new LinkedHashMap<>();
        for (String name : VARIABLES) {
            String value = environment.get(name);
            if (value != null && !value.isBlank()) {
                set.put(name, value.trim());
            }
        }
        List<String> noProxy = new ArrayList<>();
        String bypass = first(set, "NO_PROXY", "no_proxy");
        if (bypass != null) {
            for (String entry : bypass.split(",")) {
                if (!entry.isBlank()) {
                    noProxy.add(entry.trim().toLowerCase(Locale.ROOT));
                }
            }
        }
        return new EnvironmentProxy(Map.copyOf(set), address(set, "HTTPS_PROXY", "https_proxy"),
                address(set, "HTTP_PROXY", "http_proxy"), List.copyOf(noProxy));
    }

    /** The proxy variables that are set, by name, to hand on unchanged to a child process or container. */
    public Map<String, String> variables() {
        return new LinkedHashMap<>(variables);
    }

    /** The proxy for a URL ({@code https} or {@code http}); empty when it is reached directly. */
    public Optional<InetSocketAddress> proxyFor(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        Optional<InetSocketAddress> proxy = switch (scheme) {
            case "https" -> https;
            case "http" -> http;
            default -> Optional.empty();
        };
        if (proxy.isEmpty() || uri.getHost() == null) {
            return Optional.empty();
        }
        int port = uri.getPort() != -1 ? uri.getPort() : "https".equals(scheme) ? 443 : 80;
        return bypasses(uri.getHost(), port) ? Optional.empty() : proxy;
    }

    /** Whether {@code NO_PROXY} sends this host (a name or an IP literal, IPv6 with or without brackets) direct. */
    public boolean bypasses(String host, int port) {
        String name = host.toLowerCase(Locale.ROOT);
        if (name.startsWith("[") && name.endsWith("]")) {
            name = name.substring(1, name.length() - 1);
        }
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        byte[] address = literal(name);
        for (String entry : noProxy) {
            if (entry.equals("*")) {
                return true;
            }
            String pattern = entry;
            var withPort = HOST_PORT.matcher(entry);
            // a bare IPv6 address has colons of its own: a port only after a name, an IPv4 address or [IPv6]
            if (withPort.matches() && (entry.startsWith("[") ? withPort.group(1).endsWith("]") : !withPort.group(1).contains(":"))) {
                if (Integer.parseInt(withPort.group(2)) != port) {
                    continue;
                }
                pattern = withPort.group(1);
            }
            if (pattern.startsWith("[") && pattern.endsWith("]")) {
                pattern = pattern.substring(1, pattern.length() - 1);
            }
            if (pattern.contains("/")) {
                if (address != null && inBlock(address, pattern)) {
                    return true;
                }
                continue;
            }
            byte[] entryAddress = literal(pattern);
            if (entryAddress != null) {
                if (address != null && java.util.Arrays.equals(address, entryAddress)) {
                    return true;
                }
                continue;
            }
            String domain = pattern.startsWith("*.") ? pattern.substring(2)
                    : pattern.startsWith(".") ? pattern.substring(1) : pattern;
            if (domain.endsWith(".")) {
                domain = domain.substring(0, domain.length() - 1);
            }
            if (!domain.isEmpty() && (name.equals(domain) || name.endsWith("." + domain))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public List<Proxy> select(URI uri) {
        return List.of(proxyFor(uri).<Proxy>map(address -> new Proxy(Proxy.Type.HTTP, address)).orElse(Proxy.NO_PROXY));
    }

    @Override
    public void connectFailed(URI uri, SocketAddress address, IOException failure) {
        // one proxy or none: nothing else to try, the client reports the failure
    }

    /** For logs: which proxy serves which scheme and what goes direct; "no proxy" when none is set. */
    @Override
    public String toString() {
        if (https.isEmpty() && http.isEmpty()) {
            return "no proxy";
        }
        return "https via " + https.map(EnvironmentProxy::hostPort).orElse("none") + ", http via "
                + http.map(EnvironmentProxy::hostPort).orElse("none") + ", direct for "
                + (noProxy.isEmpty() ? "none" : String.join(",", noProxy));
    }

    private static String hostPort(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }

    private static String first(Map<String, String> set, String upper, String lower) {
        return set.containsKey(upper) ? set.get(upper) : set.get(lower);
    }

    private static Optional<InetSocketAddress> address(Map<String, String> set, String upper, String lower) {
        String name = set.containsKey(upper) ? upper : lower;
        String value = set.get(name);
        if (value == null) {
            return Optional.empty();
        }
        URI uri;
        try {
            uri = URI.create(value.contains("://") ? value : "http://" + value);
        } catch (IllegalArgumentException malformed) {
            throw new IllegalArgumentException(name + "=" + value + " is not a proxy URL such as http://proxy.example.com:3128");
        }
        if (!"http".equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException(name + "=" + value + ": only an http:// proxy is supported (the JDK's clients"
                    + " cannot speak TLS to a proxy); HTTPS still goes end to end through its CONNECT tunnel");
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException(name + " carries user credentials, which this sidecar does not send to a"
                    + " proxy: allow the sidecar's and the restore Jobs' pods at the proxy without them");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException(name + "=" + value + " names no proxy host");
        }
        return Optional.of(InetSocketAddress.createUnresolved(uri.getHost(), uri.getPort() == -1 ? 80 : uri.getPort()));
    }

    /** The bytes of an IP literal, never looked up in DNS; null for a host name. */
    private static byte[] literal(String host) {
        if (!IPV4.matcher(host).matches() && !host.contains(":")) {
            return null;
        }
        try {
            // a literal is parsed, not resolved
            return InetAddress.getByName(host).getAddress();
        } catch (UnknownHostException notAnAddress) {
            return null;
        }
    }

    private static boolean inBlock(byte[] address, String cidr) {
        int slash = cidr.indexOf('/');
        byte[] network = literal(cidr.substring(0, slash));
        int bits;
        try {
            bits = Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException notABlock) {
            return false;
        }
        if (network == null || network.length != address.length || bits < 0 || bits > address.length * 8) {
            return false;
        }
        int shift = address.length * 8 - bits;
        return new BigInteger(1, address).shiftRight(shift).equals(new BigInteger(1, network).shiftRight(shift));
    }
}
