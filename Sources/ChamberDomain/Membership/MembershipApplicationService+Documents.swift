import Foundation

/// An application's documents: the applicant attaches and removes them while the application is theirs to edit;
/// the applicant and the chamber's reviewers fetch them by signed, expiring link.
extension MembershipApplicationService {
    /// Checks, scans and keeps `upload` as a document of the application.
    /// - Throws: `application_state_conflict` once submitted (until staff ask for more), `validation_failed` past
    ///   ``ApplicationSteps/maxDocuments``, and the file checks' errors (`file_too_large`, `file_type_refused`, …).
    public func attach(_ identity: Identity, id: ApplicationID, kind: DocumentKind, _ upload: FileUpload) async throws -> MembershipApplication {
        guard DocumentKind.applicationKinds.contains(kind) else {
            throw ChamberError(
                .validationFailed, "kind is one of \(DocumentKind.applicationKinds.map(\.rawValue).joined(separator: ", "))", field: "kind")
        }
        var application = try await own(identity, id)
        try Self.require(.editStep, on: application)
        guard application.steps.documents.count < ApplicationSteps.maxDocuments else {
            throw ChamberError(.validationFailed, "an application carries at most \(ApplicationSteps.maxDocuments) documents; remove one first")
        }
        let file = try await files.keep(upload, kind: kind, chamberID: application.chamberID, owner: identity.user.id)
        application.steps.documents.append(file)
        application.updatedAt = file.createdAt
        do {
            return try await write(application)
        } catch let error as ChamberError where error.code == .applicationStateConflict {
            // Surely not attached (someone wrote the application first): nothing points at the file, so it goes. After
            // any other failure the write may have landed, and the file stays.
            try? await files.remove(file)
            throw error
        }
    }

    /// Removes a document while the application is the applicant's to edit.
    public func detach(_ identity: Identity, id: ApplicationID, document: FileID) async throws -> MembershipApplication {
        var application = try await own(identity, id)
        try Self.require(.editStep, on: application)
        guard let file = application.steps.documents.first(where: { $0.id == document }) else {
            throw ChamberError(.fileNotFound, "the application has no document \(document)")
        }
        application.steps.documents.removeAll { $0.id == document }
        application.updatedAt = now()
        let written = try await write(application)
        // The application no longer carries it, whatever happens next: a removal that fails leaves a file nothing
        // points at (its bytes, or its record too), not a failed request.
        try? await files.remove(file)
        return written
    }

    /// A signed link to one of the applicant's own documents.
    public func documentLink(_ identity: Identity, id: ApplicationID, document: FileID) async throws -> FileLink {
        try link(document, of: try await own(identity, id))
    }

    /// A signed link to a document of an application in the chamber's review queue.
    public func documentLink(_ access: ChamberAccess, id: ApplicationID, document: FileID) async throws -> FileLink {
        try link(document, of: try await review(access, id: id))
    }

    private func link(_ document: FileID, of application: MembershipApplication) throws -> FileLink {
        guard let file = application.steps.documents.first(where: { $0.id == document }) else {
            throw ChamberError(.fileNotFound, "the application has no document \(document)")
        }
        return files.link(to: file)
    }
}
