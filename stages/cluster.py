"""cluster: KMeans, agglomerative and DBSCAN on every representation and level
→ data/clusters/<dataset>/assignments.parquet."""

from musiclust.cluster import cluster_all
from musiclust.io import write_parquet
from musiclust.params import load_section

from . import dataset_arg
from ._inputs import load_representations
from .paths import clusters_file


def main() -> None:
    args = dataset_arg(__doc__).parse_args()
    p = load_section("cluster")
    tracks, targets, reps = load_representations(args.dataset)
    # k = the number of classes of each label; a corpus without labels uses k_without_labels
    ks = sorted({int(t.nunique()) for t in targets.values()}) or list(p.k_without_labels)
    assignments = cluster_all(reps, ks, kmeans_seeds=p.kmeans_seeds, n_init=p.kmeans_n_init,
                              linkage=p.agglomerative_linkage,
                              dbscan_min_samples=p.dbscan_min_samples,
                              dbscan_eps_quantile=p.dbscan_eps_quantile)
    write_parquet(assignments, clusters_file(args.dataset))
    print(f"cluster: {len(reps)} representations, k in {ks} → {clusters_file(args.dataset)}")


if __name__ == "__main__":
    main()
