"""A stand-in embedding server for the tests: OpenAI's ``/v1/embeddings`` over the bundled
e5 model, which reads the ``query: `` / ``passage: `` prefix that a client adds.

    python -m tests.embedding_server PORT
"""

from __future__ import annotations

import sys
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from rag.embed import E5Embedder

MODEL = "multilingual-e5-small"
app = FastAPI()
e5 = E5Embedder(threads=1)


@app.post("/v1/embeddings")
async def embeddings(request: Request) -> Any:
    body = await request.json()
    if body.get("model") != MODEL:
        return JSONResponse({"error": {"message": f"model {body.get('model')!r} not found"}}, status_code=404)
    texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
    vectors = []
    for text in texts:
        if text.startswith("query: "):
            vectors.append(e5.embed_queries([text[len("query: ") :]])[0])
        else:
            vectors.append(e5.embed_passages([text.removeprefix("passage: ")])[0])
    data = [{"object": "embedding", "index": i, "embedding": v.tolist()} for i, v in enumerate(vectors)]
    return {"object": "list", "model": MODEL, "data": data}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
