-- The shop's database: inventory reads items, payment records payments.
-- ./skein demo runs this once on its fresh private PostgreSQL cluster.
CREATE TABLE items (
  sku         text PRIMARY KEY,
  name        text   NOT NULL,
  price_cents bigint NOT NULL CHECK (price_cents > 0),
  stock       bigint NOT NULL CHECK (stock >= 0)
);

INSERT INTO items (sku, name, price_cents, stock) VALUES
  ('SKU-1001', 'Espresso beans, 1 kg',      2490, 100000),
  ('SKU-1002', 'Burr grinder',              8900, 100000),
  ('SKU-1003', 'Pour-over kettle',          4500, 100000),
  ('SKU-1004', 'Paper filters, 100',         690, 100000),
  ('SKU-1005', 'Milk frother',              3200, 100000),
  ('SKU-1006', 'Ceramic mug',               1250, 100000),
  ('SKU-1007', 'Digital scale',             2750, 100000),
  ('SKU-1008', 'Cold brew jar',             1990, 100000),
  ('SKU-1009', 'Tamper',                    1800, 100000),
  ('SKU-1010', 'Descaling tablets, 12',      990, 0);

CREATE TABLE payments (
  transaction_id text PRIMARY KEY,
  order_id       text   NOT NULL,
  user_id        text   NOT NULL,
  amount_cents   bigint NOT NULL CHECK (amount_cents > 0),
  method         text   NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);
