"""Scenario texts the bad-input and pre-check tests share: a small valid scenario
(``GOOD``) and ``CASES``, each a broken variant with the fragments its one-line error
must contain."""

GOOD = """name = "t"
[source]
dataset = "samples"
crop = 32
count = 2
[sweep]
snr_db = [0, 10]
cbr = "1/2"
[[channels]]
name = "awgn"
[[systems]]
name = "uncoded"
[metrics]
names = ["psnr"]
"""

CASES = {
    "malformed": (GOOD.replace('name = "awgn"', 'name = "awgn'), ["t.toml:10:", "invalid TOML"]),
    "unknown_key": (GOOD.replace("count = 2", "count = 2\ncrops = 3"),
                    ["t.toml:6:", "source.crops", "unknown key", "valid keys: dataset"]),
    "unknown_system_param": (GOOD.replace('name = "uncoded"', 'name = "uncoded"\nlmse = true'),
                             ["t.toml:13:", "systems.0.lmse", "valid keys", "lmmse"]),
    "wrong_type": (GOOD.replace("count = 2", 'count = "two"'),
                   ["t.toml:5:", "source.count", "count='two': expected a whole number"]),
    "empty_sweep": (GOOD.replace("snr_db = [0, 10]", "snr_db = []"),
                    ["t.toml:7:", "sweep.snr_db", "empty sweep"]),
    "backwards_range": (GOOD.replace("snr_db = [0, 10]", 'snr_db = "10:0:2"'),
                        ["sweep.snr_db", "empty sweep"]),
    "unknown_system": (GOOD.replace('name = "uncoded"', 'name = "uncodd"'),
                       ["t.toml:12:", "systems.0.name", "unknown system 'uncodd'", "uncoded"]),
    "unknown_checkpoint_in_list": (
        GOOD.replace('name = "uncoded"', 'name = "deepjscc"\nlabel = "DJ"\n'
                     'checkpoint = ["no-such-checkpoint"]'),
        ["t.toml:11: [[systems]] 'DJ': checkpoint 'no-such-checkpoint': not found", "linksim train"]),
    "missing_folder": (GOOD.replace('dataset = "samples"', 'dataset = "folder"\npath = "nowhere"'),
                       ["t.toml:2: source:", "nowhere: image folder not found", "[source] path"]),
    "folder_without_path": (GOOD.replace('dataset = "samples"', 'dataset = "folder"'),
                            ["t.toml:2:", "source", "needs path"]),
    "infinite_range": (GOOD.replace("snr_db = [0, 10]", 'snr_db = "0:inf:1"'),
                       ["t.toml:7:", "sweep.snr_db", "finite"]),
    "nan_snr": (GOOD.replace("snr_db = [0, 10]", "snr_db = [nan]"),
                ["t.toml:7:", "sweep.snr_db", "finite"]),
    "cbr_the_system_cannot_do": (GOOD.replace('cbr = "1/2"', 'cbr = "1"'),
                                 ["t.toml:11: [[systems]] 'uncoded'", "cbr=1 > 1/2 is not supported"]),
    "negative_seed": ('seed = -5\n' + GOOD, ["t.toml:1:", "seed", "non-negative"]),
    "zero_crop": (GOOD.replace("crop = 32", "crop = 0"), ["t.toml:4:", "source.crop", "positive"]),
    "negative_crop": (GOOD.replace("crop = 32", "crop = -64"), ["source.crop", "positive"]),
    "zero_count": (GOOD.replace("count = 2", "count = 0"), ["t.toml:5:", "source.count"]),
    "negative_count": (GOOD.replace("count = 2", "count = -1"), ["source.count"]),
    "string_bool": (GOOD.replace('name = "uncoded"', 'name = "uncoded"\nlmmse = "false"'),
                    ["t.toml:11: [[systems]]", "lmmse='false': expected true or false"]),
    "negative_target_ci": (GOOD + "[stop]\ntarget_ci = -1\n", ["stop.target_ci", "positive"]),
    "duplicate_metric": (GOOD.replace('names = ["psnr"]', 'names = ["psnr", "psnr"]'),
                         ["metrics.names", "named twice"]),
    "huge_batch": (GOOD + "[stop]\nbatch_size = 1000000000\n", ["stop.batch_size", "4096"]),
    "fading_on_awgn": (GOOD.replace('name = "awgn"', 'name = "awgn"\nfading = "fast"'),
                       ["t.toml:11:", "channels.0.fading", "unknown key"]),
    "slow_fading": (GOOD.replace('name = "awgn"', 'name = "rayleigh"\nfading = "slow"'),
                    ["t.toml:9: [[channels]]", "fading='slow': choose one of block, fast"]),
    "unknown_mcs": (GOOD.replace('name = "uncoded"', 'name = "separated"\nmcs = "64qam-9/10"'),
                    ["t.toml:11: [[systems]]", "64qam-9/10"]),
    "learned_without_checkpoint": (GOOD.replace('name = "uncoded"', 'name = "deepjscc"'),
                                   ["t.toml:11:", "systems.0", "random_weights = true"]),
    "checkpoint_typo": (GOOD.replace('name = "uncoded"', 'name = "deepjscc"\ncheckpiont = "x"'),
                        ["t.toml:13:", "systems.0.checkpiont", "unknown key", "checkpoint"]),
    "unknown_task": ('task = "video"\n' + GOOD, ["t.toml:1:", "task", "unknown task 'video'"]),
    "system_of_other_task": (GOOD.replace('name = "uncoded"', 'name = "opta"'),
                             ["t.toml:12:", "systems.0.name", "unknown system 'opta' for task"]),
    "huge_grid": (GOOD.replace("snr_db = [0, 10]", 'snr_db = "0:200000:0.1"'),
                  ["sweep.snr_db", "use a larger step"]),
    # encoding
    "not_utf8": (('# caf\xe9\n' + GOOD).encode("latin-1"),
                 ["t.toml:1: <file>: not UTF-8 text (byte 0xe9)", "save the file as UTF-8"]),
    "not_utf8_later_line": (GOOD.replace("count = 2", "count = 2 # \xff").encode("latin-1"),
                            ["t.toml:5: <file>: not UTF-8 text"]),
    # cross-task parts
    "metric_of_other_task": (GOOD.replace('names = ["psnr"]', 'names = ["sum_rate"]'),
                             ["t.toml:14: metrics.names", "unknown metric 'sum_rate' for task "
                              "'image'", "psnr"]),
    "metric_of_other_task_among_own": (GOOD.replace('names = ["psnr"]',
                                                    'names = ["psnr", "bleu1"]'),
                                       ["metrics.names", "'bleu1' for task 'image'"]),
    "dataset_of_other_task": (GOOD.replace('dataset = "samples"\ncrop = 32\ncount = 2',
                                           'dataset = "drops"'),
                              ["t.toml:3: source.dataset", "unknown data set", "samples"]),
    "channel_of_no_kind": (GOOD.replace('name = "awgn"', 'name = "uncoded"'),
                           ["t.toml:10: channels.0.name", "unknown channel 'uncoded'"]),
    # ranges
    "absurd_snr": (GOOD.replace("snr_db = [0, 10]", "snr_db = [-1e9]"),
                   ["t.toml:7: sweep.snr_db", "outside [-100, 100] dB"]),
    "snr_beyond_any_link": (GOOD.replace("snr_db = [0, 10]", 'snr_db = "0:400:100"'),
                            ["sweep.snr_db", "200 dB is outside"]),
    "count_above_data_set": (GOOD.replace("count = 2", "count = 100"),
                             ["t.toml:5: source.count", "count=100: the data set has 7 images",
                              "lower count"]),
    "less_than_one_channel_use": (GOOD.replace('cbr = "1/2"', 'cbr = "1/100000"'),
                                  ["t.toml:8: sweep.cbr", "0.0307 channel uses per image",
                                   "at least one is needed"]),
    "zero_cbr": (GOOD.replace('cbr = "1/2"', 'cbr = "0/7"'), ["t.toml:8: sweep.cbr", "(0, 16]"]),
    "users_above_max_users": ("""task = "beamforming"
[source]
count = 2
max_users = 4
[sweep]
num_users = [8]
num_antennas = [4]
[[channels]]
name = "rayleigh"
fading = "fast"
[[systems]]
name = "mrt"
[metrics]
names = ["sum_rate"]
""", ["t.toml:6: sweep.num_users", "num_users = 8: the drops hold 4 users",
      "raise [source] max_users"]),
    # stop rules
    "min_items_above_max_items": (GOOD + "[stop]\nmin_items = 8\nmax_items = 4\n",
                                  ["t.toml:16: stop.min_items", "8 is more than max_items = 4"]),
    "zero_repeats": (GOOD + "[stop]\nrepeats = 0\n", ["t.toml:16: stop.repeats", "at least 1"]),
    "stop_rule_typo": (GOOD + "[stop]\nmax_item = 4\n", ["stop.max_item", "unknown key",
                                                          "max_items"]),
    # paths
    "name_escaping_results": (GOOD.replace('name = "t"', 'name = "../../../escaped"'),
                              ["t.toml:1: name", "not a plain name", "set output"]),
    "name_with_a_folder": (GOOD.replace('name = "t"', 'name = "a/b"'), ["t.toml:1: name"]),
    "output_climbing_out": ('output = "../../elsewhere"\n' + GOOD,
                            ["t.toml:1: output", "climbs out with '..'"]),
}
