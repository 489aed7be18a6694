#!/usr/bin/env python3
"""Creates examples/data/shop.db: a small, deterministic shop database for the SQL analyst."""
import os
import random
import sqlite3
import sys

path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "shop.db")
if os.path.exists(path):
    os.remove(path)
rng = random.Random(42)
db = sqlite3.connect(path)
db.executescript(
    """
    CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT NOT NULL, joined_on TEXT NOT NULL);
    CREATE TABLE products (id INTEGER PRIMARY KEY, sku TEXT UNIQUE NOT NULL, name TEXT NOT NULL, category TEXT NOT NULL, price REAL NOT NULL);
    CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id), ordered_on TEXT NOT NULL, status TEXT NOT NULL);
    CREATE TABLE order_items (order_id INTEGER NOT NULL REFERENCES orders(id), product_id INTEGER NOT NULL REFERENCES products(id),
                              quantity INTEGER NOT NULL, unit_price REAL NOT NULL, PRIMARY KEY (order_id, product_id));
    """
)
countries = ["NO", "SE", "DE", "FR", "NL", "ES", "IT", "PL"]
first = ["Ada", "Alan", "Grace", "Linus", "Barbara", "Ken", "Margaret", "Dennis", "Frances", "Edsger", "Radia", "Tim"]
last = ["Lovelace", "Turing", "Hopper", "Torvalds", "Liskov", "Thompson", "Hamilton", "Ritchie", "Allen", "Dijkstra", "Perlman", "Berners-Lee"]
for i in range(1, 201):
    db.execute("INSERT INTO customers VALUES (?, ?, ?, ?)",
               (i, f"{rng.choice(first)} {rng.choice(last)}", rng.choice(countries), f"202{rng.randint(2, 5)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"))
catalog = [
    ("Widget", "hardware", 9.5), ("Gadget", "hardware", 24.0), ("Sprocket", "hardware", 3.2), ("Gizmo", "hardware", 49.9),
    ("Manual", "books", 15.0), ("Cookbook", "books", 22.5), ("Atlas", "books", 35.0),
    ("Tea", "food", 6.8), ("Coffee", "food", 11.2), ("Chocolate", "food", 4.5),
    ("Lamp", "home", 39.0), ("Mug", "home", 8.0), ("Blanket", "home", 59.0),
]
for i, (name, category, price) in enumerate(catalog, start=1):
    db.execute("INSERT INTO products VALUES (?, ?, ?, ?, ?)", (i, f"{name[:1].upper()}-{i:02d}", name, category, price))
statuses = ["delivered"] * 8 + ["returned", "cancelled"]
for order_id in range(1, 1501):
    db.execute("INSERT INTO orders VALUES (?, ?, ?, ?)",
               (order_id, rng.randint(1, 200), f"202{rng.randint(4, 5)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", rng.choice(statuses)))
    for product_id in rng.sample(range(1, len(catalog) + 1), rng.randint(1, 4)):
        db.execute("INSERT INTO order_items VALUES (?, ?, ?, ?)",
                   (order_id, product_id, rng.randint(1, 5), catalog[product_id - 1][2]))
db.commit()
db.close()
print(path)
