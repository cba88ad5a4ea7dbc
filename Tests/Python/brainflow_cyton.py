"""Reads a Cyton stream with BrainFlow (BoardShim, CYTON_BOARD) and prints what it decoded as JSON.

  python3 brainflow_cyton.py PORT EXPECTED_ROWS
Prints {"version", "rows": [{"number", "uv": [8], "accel": [3], "stop"}], "lost"}: BrainFlow's own values,
and the packets lost as counted from its package-number column with the Cyton's wrap at 255.
"""
import json
import sys
import time

from brainflow.board_shim import BoardIds, BoardShim, BrainFlowInputParams, LogLevels


def main():
    port, expected = sys.argv[1], int(sys.argv[2])
    BoardShim.set_log_level(LogLevels.LEVEL_WARN.value)
    params = BrainFlowInputParams()
    params.serial_port = port
    board_id = BoardIds.CYTON_BOARD.value
    board = BoardShim(board_id, params)
    board.prepare_session()
    board.start_stream(450000)
    deadline = time.monotonic() + 60
    last, still_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = board.get_board_data_count()
        if count >= expected:
            break
        if count != last:
            last, still_since = count, time.monotonic()
        elif time.monotonic() - still_since > 3:
            break
        time.sleep(0.05)
    data = board.get_board_data()
    board.stop_stream()
    board.release_session()

    num = BoardShim.get_package_num_channel(board_id)
    eeg = BoardShim.get_eeg_channels(board_id)
    acc = BoardShim.get_accel_channels(board_id)
    stop = BoardShim.get_other_channels(board_id)[0]
    rows, lost = [], 0
    for i in range(data.shape[1]):
        n = int(data[num][i])
        if rows:
            lost += (n - rows[-1]["number"] - 1) % 256
        rows.append({"number": n, "uv": [float(data[c][i]) for c in eeg],
                     "accel": [float(data[c][i]) for c in acc], "stop": int(data[stop][i])})
    version = BoardShim.get_version()
    print(json.dumps({"version": version, "rows": rows, "lost": lost}))


if __name__ == "__main__":
    main()
