"""A stored model's backtest as lines of text (train_score prints them; so can the docs)."""

from django.utils.translation import gettext as _

from .models import ScoreModel


def backtest_lines(model: ScoreModel) -> list[str]:
    m = model.metrics
    lines = [
        _(
            "Score model v%(version)d (%(kind)s) trained on %(train)d examples from %(first)s "
            "to %(last_train)s, tested on %(test)d past-due borrowers of %(test_day)s."
        )
        % {
            "version": model.version,
            "kind": model.kind,
            "train": m["train_size"],
            "first": m["snapshots"][0],
            "last_train": m["snapshots"][-2],
            "test": m["test_size"],
            "test_day": m["test_as_of"],
        },
        _("Paid an instalment within 30 days: %(train).1f%% (training), %(test).1f%% (test).")
        % {"train": 100 * m["train_positive_rate"], "test": 100 * m["test_positive_rate"]},
        _("AUC %(auc).3f (ordering by DPD alone: %(dpd).3f); Brier score %(brier).4f.")
        % {"auc": m["auc"], "dpd": m["dpd_auc"], "brier": m["brier"]},
        _(
            "Payers found in the top 20%% of the list: %(model).1f%% by score, %(dpd).1f%% by "
            "lowest DPD (lift %(lift)s)."
        )
        % {
            "model": 100 * m["top20_model"],
            "dpd": 100 * m["top20_dpd"],
            "lift": f"{m['top20_lift']:.2f}" if m["top20_lift"] else "—",
        },
        _("Reliability (predicted → observed, cases):"),
    ]
    for row in m["reliability"]:
        if row["count"]:
            lines.append(
                f"  {row['low']:.1f}–{row['high']:.1f}: "
                f"{row['predicted']:.3f} → {row['observed']:.3f} ({row['count']})"
            )
    left_out = model.params.get("left_out")
    if left_out:
        lines.append(
            _("Left out (fitted against their expected direction): %(features)s.")
            % {"features": ", ".join(left_out)}
        )
    challenger = m.get("challenger")
    if challenger:
        lines.append(
            _(
                "Challenger %(kind)s: AUC %(auc).3f, Brier %(brier).4f (reported, not deployed: "
                "its scores cannot be explained exactly per case)."
            )
            % challenger
        )
    lines.append(
        _(
            "Training took %(total).1f s (features %(features).1f s, fit %(fit).2f s). "
            "Model v%(version)d is now active."
        )
        % {
            "total": m["training_seconds"],
            "features": m["feature_seconds"],
            "fit": m["fit_seconds"],
            "version": model.version,
        }
    )
    return lines
