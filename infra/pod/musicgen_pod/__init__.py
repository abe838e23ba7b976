"""The pod runtime behind pod.sh: settings, checks, Python env, weights, model repository, tritonserver."""
