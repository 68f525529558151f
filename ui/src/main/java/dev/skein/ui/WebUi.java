package dev.skein.ui;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ServerCacheControl;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.encoding.EncodingService;
import com.linecorp.armeria.server.file.FileService;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Skein's web UI: static ES modules, CSS and one HTML page, served from this jar.
 *
 * <p>{@link #register} adds these routes to a server:
 * <ul>
 *   <li>{@code /}, {@code /search}, {@code /trace/{id}}, {@code /compare}, {@code /map},
 *       {@code /services} and {@code /bubbleup} answer the same page, which routes on the client;
 *       it is never cached, so a new version of Skein is picked up on the next load;
 *   <li>{@code /static/{version}/...} answers the modules, the stylesheet and the icons. The
 *       version is a hash of their content, so they are cached for a year as immutable.
 * </ul>
 * Every UI response carries a {@code Content-Security-Policy} that allows scripts, styles, images
 * and requests from the same origin only (no inline script, no {@code eval}, no framing:
 * {@code frame-ancestors 'none'}), {@code X-Content-Type-Options: nosniff} and
 * {@code Referrer-Policy: no-referrer}. The page reads data from the query API on the same server
 * ({@code /api/...}), which {@link #register} does not add.
 */
public final class WebUi {
  /** The routes that answer the page; the client decides what to show from the path. */
  static final List<String> PAGES = List.of("/", "/search", "/trace/{id}", "/compare", "/map", "/services",
      "/bubbleup");

  static final String CONTENT_SECURITY_POLICY = String.join("; ",
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "font-src 'self'",
      "connect-src 'self'",
      "manifest-src 'self'",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'");

  private static final String ROOT = "dev/skein/ui/static";
  private static final String VERSION_PLACEHOLDER = "{{version}}";

  private WebUi() {}

  /**
   * Adds the UI's routes to {@code sb}. Safe to call once per server; the content is read from the
   * class path when called.
   *
   * @throws UncheckedIOException if the UI's files cannot be read from the class path
   */
  public static void register(ServerBuilder sb) {
    requireNonNull(sb, "sb");
    ClassLoader loader = WebUi.class.getClassLoader();
    String version = version(loader);
    byte[] page = read(loader, ROOT + "/index.html").replace(VERSION_PLACEHOLDER, version)
        .getBytes(StandardCharsets.UTF_8);
    HttpService index = secured((ctx, req) -> {
      if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
        return HttpResponse.of(ResponseHeaders.builder(HttpStatus.METHOD_NOT_ALLOWED)
            .set(HttpHeaderNames.ALLOW, "GET, HEAD").build());
      }
      ResponseHeaders headers = ResponseHeaders.builder(HttpStatus.OK)
          .contentType(MediaType.HTML_UTF_8)
          .set(HttpHeaderNames.CACHE_CONTROL, "no-cache")
          .build();
      return HttpResponse.of(headers, HttpData.wrap(page));
    });
    for (String path : PAGES) {
      sb.service(path, index);
    }
    HttpService files = secured(FileService.builder(loader, ROOT)
        .cacheControl(ServerCacheControl.IMMUTABLE)
        .serveCompressedFiles(false)
        .autoIndex(false)
        .build());
    sb.serviceUnder("/static/" + version + "/", files);
  }

  /**
   * Adds the security headers to every response of {@code service}, errors included, and
   * compresses what the browser accepts compressed.
   */
  private static HttpService secured(HttpService service) {
    return service.decorate(EncodingService.newDecorator()).decorate((delegate, ctx, req) -> {
      ctx.mutateAdditionalResponseHeaders(h -> h
          .set(HttpHeaderNames.CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY)
          .set(HttpHeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff")
          .set("referrer-policy", "no-referrer")
          .set(HttpHeaderNames.X_FRAME_OPTIONS, "DENY"));
      return delegate.serve(ctx, req);
    });
  }

  /** A hash of every static file's name and content, so that any change makes new URLs. */
  static String version(ClassLoader loader) {
    URL root = loader.getResource(ROOT + "/index.html");
    if (root == null) {
      throw new UncheckedIOException(new IOException("the UI's files are missing from the class path: " + ROOT));
    }
    List<String> names = new ArrayList<>();
    try {
      if ("jar".equals(root.getProtocol())) {
        JarURLConnection c = (JarURLConnection) root.openConnection();
        c.setUseCaches(false);
        try (JarFile jar = c.getJarFile()) {
          for (JarEntry e : Collections.list(jar.entries())) {
            if (!e.isDirectory() && e.getName().startsWith(ROOT + "/")) {
              names.add(e.getName());
            }
          }
        }
      } else {
        Path dir = Path.of(root.toURI()).getParent();
        try (Stream<Path> s = Files.walk(dir)) {
          s.filter(Files::isRegularFile)
              .forEach(p -> names.add(ROOT + "/" + dir.relativize(p).toString().replace('\\', '/')));
        }
      }
      Collections.sort(names);
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String name : names) {
        sha.update(name.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        try (InputStream in = loader.getResourceAsStream(name)) {
          if (in != null) {
            sha.update(in.readAllBytes());
          }
        }
        sha.update((byte) 0);
      }
      return HexFormat.of().formatHex(sha.digest(), 0, 6);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the UI's files from " + root, e);
    } catch (URISyntaxException | NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String read(ClassLoader loader, String name) {
    try (InputStream in = loader.getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("missing from the class path: " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the UI's page", e);
    }
  }
}
