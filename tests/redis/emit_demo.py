"""Emit the demo app's events through the configured provider.

``python emit_demo.py PROJECT_DIR COUNT``: for i in range(COUNT), the demo's
API registers a user, verifies them and completes an order (with its total,
which the demo's own orders.py forgets). Run as a subprocess so each test's
copy of the demo app is imported fresh.
"""

import asyncio
import os
import sys


async def main(project: str, count: int) -> None:
    os.chdir(project)
    sys.path.insert(0, project)
    from functions.api import users

    import tscrun

    dispatcher = tscrun.configure(os.path.join(project, "pyproject.toml"))
    for i in range(count):
        created = await users.post({"name": f"user{i}", "email": f"user{i}@example.com"})
        await users.verify(created["id"], f"user{i}@example.com")
        await tscrun.events.emit("order.completed", {
            "orderId": f"o-{i}", "userId": created["id"], "total": 25.0,
            "lines": [{"sku": "book-1", "quantity": 2, "price": 12.5}]})
    await dispatcher.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
