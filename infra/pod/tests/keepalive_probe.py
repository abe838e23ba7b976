"""Opens a ModelStreamInfer stream, sends nothing, and pings the server every PING_MS for SECONDS.

Prints ``open`` when the stream outlived the wait, else ``closed: <status> <details>``. Run with the
tritonserver venv's Python (grpcio and tritonclient's generated stubs).
Usage: keepalive_probe.py HOST:PORT PING_MS SECONDS
"""

import queue
import sys
import threading

import grpc
from tritonclient.grpc import service_pb2_grpc


def main() -> None:
    url, ping_ms, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    channel = grpc.insecure_channel(
        url,
        options=[
            ("grpc.keepalive_time_ms", ping_ms),
            ("grpc.keepalive_timeout_ms", 5000),
            ("grpc.http2.max_pings_without_data", 0),  # keep pinging although no data flows
        ],
    )
    requests = queue.Queue()
    call = service_pb2_grpc.GRPCInferenceServiceStub(channel).ModelStreamInfer(iter(requests.get, None))
    outcome = []

    def read() -> None:
        try:
            for _ in call:
                pass
            outcome.append("closed: OK")
        except grpc.RpcError as error:
            outcome.append(f"closed: {error.code().name} {error.details()}")

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(seconds)
    print(outcome[0] if outcome else "open", flush=True)
    requests.put(None)
    call.cancel()
    channel.close()


if __name__ == "__main__":
    main()
