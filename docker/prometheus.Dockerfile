# The monitoring image: nothing but a static Prometheus server (built by scripts/prometheus-image.sh from the
# module pinned in monitoring/prometheus, CGO_ENABLED=0), run as an unprivileged user (nobody). Built FROM
# scratch: no registry is needed, nothing is pulled. The config is mounted at run time at
# /etc/prometheus/prometheus.yml; the TSDB goes to /prometheus, an empty directory the user owns (a tmpfs or a
# volume can be mounted there; a tmpfs needs uid=65534 or mode=1777).
FROM scratch
COPY prometheus /bin/prometheus
COPY --chown=65534:65534 data/ /prometheus/
USER 65534:65534
WORKDIR /prometheus
EXPOSE 9090
ENTRYPOINT ["/bin/prometheus", "--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus", "--web.listen-address=0.0.0.0:9090"]
