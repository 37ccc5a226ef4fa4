-- An Open Inference Protocol infer body like the agent's demo model gets (4 FP32 features).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"id":"r1","inputs":[{"name":"input","datatype":"FP32","shape":[1,4],"data":[0.12,3.4,5.6,7.8]}]}'
