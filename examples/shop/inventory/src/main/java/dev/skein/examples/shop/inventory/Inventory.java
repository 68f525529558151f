package dev.skein.examples.shop.inventory;

import dev.skein.examples.shop.common.Faults.Fault;
import dev.skein.examples.shop.common.HttpError;
import dev.skein.examples.shop.common.Json;
import dev.skein.examples.shop.common.Request;
import dev.skein.examples.shop.common.Response;
import dev.skein.examples.shop.common.ShopServer;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;

/**
 * The shop's stock, in PostgreSQL: {@code GET /items?sku=SKU-1001} answers
 * {@code {"sku", "name", "price_cents", "stock"}} from one JDBC query, which the Java agent traces
 * as a client span of the database. With the slow-inventory fault the query also sleeps 800 ms in
 * the database ({@code pg_sleep}).
 *
 * <p>Environment: {@code PORT} (8082), {@code HOST} (127.0.0.1), and the connection as libpq and
 * node-postgres name it: {@code PGHOST} (127.0.0.1), {@code PGPORT} (5432), {@code PGDATABASE}
 * (shop), {@code PGUSER} (postgres), {@code PGPASSWORD} (none).
 */
public final class Inventory {
  static final String ITEM = "SELECT sku, name, price_cents, stock FROM items WHERE sku = ?";
  // pg_sleep in the FROM list runs once per query, whatever plan the table gets.
  static final String SLOW_ITEM = "SELECT sku, name, price_cents, stock FROM items, pg_sleep(?) WHERE sku = ?";
  static final double SLOW_SECONDS = 0.8;

  private final ConnectionPool pool;

  Inventory(ConnectionPool pool) {
    this.pool = pool;
  }

  public static void main(String[] args) throws IOException {
    String url = "jdbc:postgresql://" + ShopServer.env("PGHOST", "127.0.0.1") + ":" + ShopServer.intEnv("PGPORT", 5432)
        + "/" + ShopServer.env("PGDATABASE", "shop");
    Properties props = new Properties();
    props.setProperty("user", ShopServer.env("PGUSER", "postgres"));
    String password = ShopServer.env("PGPASSWORD", null);
    if (password != null) {
      props.setProperty("password", password);
    }
    props.setProperty("ApplicationName", "inventory");
    Inventory inventory = new Inventory(new ConnectionPool(url, props, 8));
    ShopServer.create("inventory", 8082)
        .route("GET", "/items", inventory::item)
        .start();
  }

  Response item(Request request) throws SQLException, HttpError {
    String sku = request.query("sku");
    boolean slow = request.faults().contains(Fault.SLOW_INVENTORY);
    Response found = pool.with(c -> {
      try (PreparedStatement ps = c.prepareStatement(slow ? SLOW_ITEM : ITEM)) {
        if (slow) {
          ps.setDouble(1, SLOW_SECONDS);
          ps.setString(2, sku);
        } else {
          ps.setString(1, sku);
        }
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            return null;
          }
          return Response.json(200, Json.object()
              .put("sku", rs.getString("sku"))
              .put("name", rs.getString("name"))
              .put("price_cents", rs.getLong("price_cents"))
              .put("stock", rs.getLong("stock")));
        }
      }
    });
    if (found == null) {
      throw new HttpError(404, "unknown sku " + sku);
    }
    return found;
  }
}
